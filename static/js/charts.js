// Draw every Plotly figure the page carries in a data-figure attribute (JSON from the same Python figures the PDF
// reports print).
document.querySelectorAll("[data-figure]").forEach(function (element) {
  var figure = JSON.parse(element.getAttribute("data-figure"));
  Plotly.newPlot(element, figure.data, figure.layout, {responsive: true, displaylogo: false});
});
