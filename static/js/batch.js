// Follow a report batch: the progress bar, its status, the reports that failed, and the download once it is done.
// The status labels come translated in the page's data-label-* attributes.
(function () {
  "use strict";
  var root = document.getElementById("batch");
  if (!root) return;
  var labels = {queued: root.dataset.labelQueued, running: root.dataset.labelRunning, done: root.dataset.labelDone,
                failed: root.dataset.labelFailed};
  function update() {
    fetch(root.dataset.progress, {credentials: "same-origin"}).then(function (response) { return response.json(); }).then(function (state) {
      var bar = document.getElementById("progress");
      bar.max = state.total; bar.value = state.done;
      document.getElementById("progress-text").textContent = state.done + " / " + state.total;
      document.getElementById("status").textContent = labels[state.status] || state.status;
      var list = document.getElementById("failure-list");
      list.replaceChildren();
      state.failures.forEach(function (item) {
        var entry = document.createElement("li");
        entry.textContent = (item.name || item.id) + ": " + item.error;
        list.appendChild(entry);
      });
      document.getElementById("failures").hidden = state.failures.length === 0;
      var problem = document.getElementById("batch-error");
      problem.textContent = state.error || "";
      problem.hidden = !state.error;
      if (state.download) {
        document.getElementById("download-link").href = state.download;
        document.getElementById("download").hidden = false;
      }
      if (state.status === "queued" || state.status === "running") { setTimeout(update, 700); }
    });
  }
  update();
})();
