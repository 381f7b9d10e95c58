// File inputs in the page's language. Chromium labels its file button ("Choose File", "No file chosen") in the
// browser's language, whatever the page's; here each file input gets a button and a line naming the chosen file in
// the page's words (given on this script's tag). The input stays in its form and is what the button opens.
(function () {
  "use strict";
  const words = document.currentScript.dataset;
  document.querySelectorAll('input[type="file"]').forEach(function (input) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary small file-choose";
    button.textContent = words.choose;
    const chosen = document.createElement("span");
    chosen.className = "file-chosen";
    chosen.textContent = words.none;
    input.classList.add("file-native");
    input.tabIndex = -1;  // the button takes the focus in its place
    input.after(button, chosen);
    button.addEventListener("click", function () { input.click(); });
    input.addEventListener("change", function () {
      const names = Array.from(input.files, function (file) { return file.name; });
      chosen.textContent = names.length ? names.join(", ") : words.none;
    });
  });
})();
