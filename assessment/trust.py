"""Who stands behind a submission, and which submissions count in released statistics.

A submission's trust level is set when it is made: "anonymous" (no account, or one whose e-mail address is not
confirmed), "account" (a signed-in enterprise user whose address is confirmed) or "vouched" (entered, imported or
sent through the API by a consultant, an agency or an administrator, who answer for it). Every submission gets its
own result at once; it counts in released statistics only from the declared level up. Anonymous submissions count
only when an administrator chooses so: an attacker who makes fake respondents without an account cannot fill a
small group to the threshold with them.
"""

from __future__ import annotations

from typing import Literal

TrustLevel = Literal["anonymous", "account", "vouched"]
TRUST_LEVELS: tuple[TrustLevel, ...] = ("anonymous", "account", "vouched")  # least trusted first
DEFAULT_MIN_TRUST: TrustLevel = "account"  # what releases count unless an administrator lets anonymous ones in


def counted(min_trust: str) -> tuple[TrustLevel, ...]:
    """The trust levels a release counts when it counts `min_trust` and up."""
    return TRUST_LEVELS[TRUST_LEVELS.index(min_trust):]
