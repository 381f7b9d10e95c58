"""The words of the import template and its guide in each language, and values and conditions as cells write them."""

from __future__ import annotations

from questionnaires.schema import Condition, MultipleQuestion

# The few words of the template and its guide, in each supported language (question texts come from the file).
_WORDS: dict[str, tuple[str, str]] = {
    "enterprise_name": ("Enterprise name", "企业名称"),
    "region_code": ("Region code (GB/T 2260) of the city, or of the province",
                    "所在地区代码（GB/T 2260，地市级或省级）"),
    "industry_code": ("Industry: GB/T 4754 manufacturing division", "所属行业：GB/T 4754制造业大类"),
    "employees": ("Employees", "从业人员数"),
    "revenue_million_yuan": ("Annual revenue (million yuan)", "年营业收入（百万元）"),
    "enterprise": ("Enterprise", "企业信息"),
    "required": ("required", "必填"),
    "ladder": ("Ladder (level 0-5)", "阶梯题（0–5级）"),
    "single": ("Single choice", "单选题"),
    "multiple": ("Checklist (several options)", "多选题"),
    "number": ("Number", "数值题"),
    "yesno": ("Yes/no", "是非题"),
    "text": ("Free text", "文字题"),
    "name_values": ("Text, at most {count} characters", "文字，最多{count}个字符"),
    "region_values": ("Six-digit code of a province or city, see the sheet 'regions'; e.g. 370200",
                      "省级或地市级的六位代码，见“regions”工作表；例如370200"),
    "region_values_guide": ("Six-digit code of a province or city, see the list of regions below; e.g. 370200",
                            "省级或地市级的六位代码，见下文地区列表；例如370200"),
    "industry_values": ("Two-digit division 13-43, see the sheet 'industries'; e.g. 34",
                        "两位大类代码13–43，见“industries”工作表；例如34"),
    "industry_values_guide": ("Two-digit division 13-43, see the list of industries below; e.g. 34",
                              "两位大类代码13–43，见下文行业列表；例如34"),
    "employees_values": ("A whole number, 0 or more", "整数，不小于0"),
    "revenue_values": ("A number, 0 or more", "数值，不小于0"),
    "levels": ("0, 1, 2, 3, 4 or 5: the highest level whose description is fully true",
               "0、1、2、3、4或5：完全符合的最高等级"),
    "one_of": ("One option id:", "填写一个选项代码："),
    "some_of": ("Option ids separated by ; or , (e.g. {example}); none = nothing ticked. Options:",
                "选项代码，用;或,分隔（例如{example}）；都不符合时填none。选项："),
    "yes_no": ("yes or no (also true/false, 1/0, 是/否)", "yes或no（也可填true/false、1/0、是/否）"),
    "number_range": ("A number from {min} to {max}", "{min}至{max}之间的数值"),
    "whole_range": ("A whole number from {min} to {max}", "{min}至{max}之间的整数"),
    "unit": ("unit", "单位"),
    "free_text": ("Any text, at most {count} characters; may be left empty", "任意文字，最多{count}个字符；可不填"),
    "na": ("na = not applicable", "na = 不适用"),
    "asked_when": ("Asked only when {condition}; leave empty otherwise.", "仅当{condition}时作答，否则留空。"),
    "column": ("Column", "列"),
    "letter": ("Letter", "列号"),
    "page": ("Page", "页面"),
    "question": ("Question", "题目"),
    "type": ("Type", "题型"),
    "values": ("Allowed values", "填写内容"),
    "notes": ("Notes", "说明"),
    "rules": (
        "One row per enterprise. Row 1 holds the column ids: do not change them. An empty cell means the question "
        "was not answered; rows with unanswered questions are imported as drafts that can be completed online.",
        "每家企业填写一行。第1行为列代码，请勿修改。空白单元格表示该题未作答；有未作答题目的行将作为草稿导入，可在线补充完成。",
    ),
    "guide_title": ("Import template", "导入模板"),
    "regions": ("Regions (GB/T 2260)", "地区（GB/T 2260）"),
    "industries": ("Industries (GB/T 4754 manufacturing divisions)", "行业（GB/T 4754制造业大类）"),
    "code": ("Code", "代码"),
    "name": ("Name", "名称"),
    "province": ("Province", "省级行政区"),
    "industry_type": ("Production type", "生产类型"),
    "yes": ("yes", "是"),  # as a cell may hold them
    "no": ("no", "否"),
    "is": ("{question} is {value}", "{question}为{value}"),
    "is_one_of": ("{question} is one of {value}", "{question}为{value}之一"),
    "includes": ("{question} includes {value}", "{question}包含{value}"),
    "includes_one_of": ("{question} includes one of {value}", "{question}包含{value}之一"),
    "at_least": ("{question} is at least {value}", "{question}不小于{value}"),
}


def word(key: str, lang: str, **values: object) -> str:
    """One of the template's words in `lang` ("zh" for Chinese, English otherwise), its fields filled."""
    en, zh = _WORDS[key]
    return (zh if lang == "zh" else en).format(**values)


def describe_condition(condition: Condition, lang: str, questions: dict | None = None) -> str:
    """A condition in the words of the import file: `en_platform is yes`."""
    checklist = questions is not None and isinstance(questions.get(condition.question), MultipleQuestion)
    if condition.equals is not None:
        key, value = ("includes" if checklist else "is"), written_value(condition.equals, lang)
    elif condition.one_of is not None:
        key, value = ("includes_one_of" if checklist else "is_one_of"), ", ".join(map(str, condition.one_of))
    else:
        key, value = "at_least", f"{condition.at_least:g}"
    return word(key, lang, question=condition.question, value=value)


def written_value(value: object, lang: str = "en") -> str:
    """A value as it is written in a cell."""
    if isinstance(value, bool):
        return word("yes" if value else "no", lang)
    if isinstance(value, tuple | list):
        return ";".join(map(str, value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
