// "Print or save as PDF" links open the browser's print dialog; the print stylesheet does the rest.
document.addEventListener("click", function (event) {
  var link = event.target.closest("[data-print]");
  if (!link) return;
  event.preventDefault();
  window.print();
});
