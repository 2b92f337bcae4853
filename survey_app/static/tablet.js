// The handed-over tablet's idle lock, announced (WCAG 2.2.1). A while before the lock a dialog
// asks "Är du kvar?"; "Jag är kvar" (or Escape) tells the server and starts the time again. At
// the idle time the page's entries are posted to the lock, which keeps them as a draft of the
// page for staff to resume. Without JavaScript the server locks at the next request instead.
(function () {
  "use strict";
  var body = document.body;
  var dialog = document.getElementById("idle-warning");
  var idle = Number(body.dataset.idleSeconds) * 1000;
  var warning = Number(body.dataset.warningSeconds) * 1000;
  if (!idle || !dialog || typeof dialog.showModal !== "function" || !window.fetch) {
    return;
  }
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var token = tokenMeta ? tokenMeta.getAttribute("content") : "";
  var timers = [];

  function schedule() {
    timers.forEach(clearTimeout);
    timers = [setTimeout(warn, idle - warning), setTimeout(lock, idle)];
  }

  function warn() {
    if (!dialog.open) {
      dialog.showModal();
    }
  }

  function lock() {
    var form = document.querySelector("form[data-lock]");
    if (form) {
      form.action = form.getAttribute("data-lock");
    } else {
      form = document.createElement("form");
      form.method = "post";
      form.action = body.dataset.lock;
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "csrf_token";
      input.value = token;
      form.appendChild(input);
      body.appendChild(form);
    }
    form.submit();
  }

  function stay() {
    fetch(body.dataset.keepAlive, {
      method: "POST",
      headers: { "X-CSRFToken": token },
      credentials: "same-origin",
      redirect: "manual"
    }).then(function (response) {
      if (response.status === 204) {
        dialog.close();
        schedule();
      } else {
        window.location.reload(); // locked meanwhile: the server shows the locked page
      }
    }, function () {
      window.location.reload();
    });
  }

  dialog.querySelector("[data-stay]").addEventListener("click", stay);
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault();
    stay();
  });
  schedule();
})();
