// "Lämna sidan snabbt" as GOV.UK's "Exit this page": the button hides the page at once before
// leaving, and pressing Shift three times (within 5 seconds) does the same from anywhere on the
// page. The page is replaced in the history, so Back does not return to it. Without
// JavaScript the button is an ordinary link to the same exit.
(function () {
  "use strict";
  var bar = document.querySelector("[data-quick-exit]");
  if (!bar) {
    return;
  }
  var button = bar.querySelector("a");
  var status = bar.querySelector("[data-quick-exit-status]");
  var presses = 0;
  var reset = null;
  // The words come from the page, in its language.
  var words = [bar.getAttribute("data-press-two"), bar.getAttribute("data-press-one")];

  function leave(event) {
    if (event) {
      event.preventDefault();
    }
    document.body.classList.add("leaving");
    window.location.replace(button.href);
  }

  button.addEventListener("click", leave);
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") {
      presses = 0;
      return;
    }
    presses += 1;
    clearTimeout(reset);
    if (presses >= 3) {
      leave();
      return;
    }
    if (status && words[presses - 1]) {
      status.textContent = words[presses - 1];
    }
    reset = setTimeout(function () {
      presses = 0;
      if (status) {
        status.textContent = "";
      }
    }, 5000);
  });
})();
