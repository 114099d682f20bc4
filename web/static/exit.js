// Quick exit (after GOV.UK's "Exit this page"): leave for a neutral site and replace this page in
// the history, so the back button does not bring it back. Works by click and by pressing Shift
// three times in a row. Without JavaScript the control is a plain link, which still leaves (but
// keeps this page in the history).
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) { return; }
  var links = document.querySelectorAll("a.quick-exit"); // the top bar's and the one at the end of the page
  var dots = link.querySelector(".exit-presses");
  var status = document.getElementById("exit-status"); // role=status: read out by screen readers
  var PRESSES = 3;
  var WINDOW_MS = 5000; // GOV.UK allows 5 seconds for the three presses
  var count = 0;
  var timer = null;

  function leave(event) {
    if (event) { event.preventDefault(); }
    // Hide the page at once: the next site may take a moment to load.
    document.documentElement.classList.add("exiting");
    window.location.replace(link.href);
  }

  // Show how many presses are done (dots) and say how many remain (status), as GOV.UK does.
  function show() {
    if (dots) {
      dots.classList.toggle("counting", count > 0);
      Array.prototype.forEach.call(dots.children, function (dot, i) { dot.classList.toggle("lit", i < count); });
    }
    if (status) {
      var left = PRESSES - count;
      status.textContent = count === 0 ? "" : status.getAttribute(left <= 0 ? "data-leaving" : "data-more-" + left) || "";
    }
  }

  function reset() { count = 0; show(); }

  Array.prototype.forEach.call(links, function (a) { a.addEventListener("click", leave); });
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") { if (count) { reset(); } return; } // Shift for a capital letter does not count
    count += 1;
    show();
    window.clearTimeout(timer);
    timer = window.setTimeout(reset, WINDOW_MS);
    if (count >= PRESSES) { leave(); }
  });
  // If the browser brings this page back from its cache, show it again.
  window.addEventListener("pageshow", function () {
    document.documentElement.classList.remove("exiting");
    reset();
  });
}());
