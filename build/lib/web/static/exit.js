// Quick exit (after GOV.UK's "Exit this page"): leave for a neutral site and replace this page in
// the history, so the back button does not bring it back. Works by click and by pressing Shift
// three times in a row. Without JavaScript the control is a plain link, which still leaves (but
// keeps this page in the history).
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) { return; }
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

  link.addEventListener("click", leave);
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") { count = 0; return; } // Shift used for a capital letter does not count
    count += 1;
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { count = 0; }, WINDOW_MS);
    if (count >= PRESSES) { leave(); }
  });
  // If the browser brings this page back from its cache, show it again.
  window.addEventListener("pageshow", function () {
    document.documentElement.classList.remove("exiting");
    count = 0;
  });
}());
