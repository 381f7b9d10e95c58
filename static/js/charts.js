// Draw every Plotly figure the page carries in a data-figure attribute (JSON from the same Python figures the PDF
// reports print). plotly.js takes a good tenth of a second per chart, so the page does not draw them all at once:
// the first chart at once, any other as it comes near the screen, and the rest one at a time while the browser is
// idle, so that the charts a reader sees are there first. Printing draws whatever is left.
(function () {
  var CONFIG = {responsive: true, displaylogo: false};
  // How far below (or above) the screen a chart starts drawing: about a third of a screen of scrolling ahead.
  var AHEAD = "300px 0px";
  var waiting = Array.prototype.slice.call(document.querySelectorAll("[data-figure]"));
  var observer = null;
  var idleStarted = false;

  function draw(element) {
    var index = waiting.indexOf(element);
    if (index < 0) {
      return;  // drawn already
    }
    waiting.splice(index, 1);
    if (observer) {
      observer.unobserve(element);
    }
    var figure = JSON.parse(element.getAttribute("data-figure"));
    Plotly.newPlot(element, figure.data, figure.layout, CONFIG);
  }

  function drawAll() {
    waiting.slice().forEach(draw);
  }

  function drawNextWhenIdle() {
    if (!waiting.length) {
      return;
    }
    var later = window.requestIdleCallback || function (callback) { return setTimeout(callback, 50); };
    later(function () {
      draw(waiting[0]);
      drawNextWhenIdle();
    }, {timeout: 3000});  // a busy page still gets the rest within a few seconds
  }

  if (!waiting.length) {
    return;
  }
  draw(waiting[0]);
  if (!("IntersectionObserver" in window)) {
    drawAll();
    return;
  }
  observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) {
        draw(entry.target);
      }
    });
    if (!idleStarted) {  // the first report names the charts in view: the rest only after them
      idleStarted = true;
      drawNextWhenIdle();
    }
  }, {rootMargin: AHEAD});
  waiting.forEach(function (element) { observer.observe(element); });
  window.addEventListener("beforeprint", drawAll);
})();
