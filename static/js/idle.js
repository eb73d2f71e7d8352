/* The warning before a session ends for want of activity (accounts.middleware.IdleTimeoutMiddleware). The server
 * keeps the clock: any request of the user, from this tab or another, restarts it. So the page does not count
 * for itself; shortly before the end it could come, it asks the server how long is really left (a question
 * that does not count as activity), warns when that is less than data-idle-warning seconds, and offers to stay
 * logged in (a POST, which counts). When the time is up it goes to the login page. */
(function () {
  "use strict";

  var body = document.body;
  var timeout = Number(body.dataset.idleTimeout);
  var warning = Number(body.dataset.idleWarning);
  var box = document.getElementById("idle-warning");
  if (!timeout || !box) {
    return;
  }
  var seconds = document.getElementById("idle-seconds");
  var stay = document.getElementById("idle-stay");
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  var check = null;
  var tick = null;
  var deadline = 0;

  function leave() {
    var next = window.location.pathname + window.location.search;
    window.location.assign(body.dataset.loginUrl + "?next=" + encodeURIComponent(next));
  }

  function hide() {
    window.clearInterval(tick);
    box.classList.add("d-none");
  }

  function countdown() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    seconds.textContent = String(left);
    if (left <= 0) {
      hide();
      // One last question: another tab may have kept the session alive meanwhile.
      ask();
    }
  }

  function show(left) {
    deadline = Date.now() + left * 1000;
    box.classList.remove("d-none");
    countdown();
    window.clearInterval(tick);
    tick = window.setInterval(countdown, 1000);
  }

  function schedule(left) {
    window.clearTimeout(check);
    check = window.setTimeout(ask, Math.max(1, left - warning) * 1000);
  }

  function answer(response) {
    if (response.status === 401) {
      leave();
      return null;
    }
    return response.ok ? response.json() : null;
  }

  function ask() {
    fetch(body.dataset.idleUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(answer)
      .then(function (state) {
        if (!state || state.remaining === null) {
          return;
        }
        if (state.remaining <= 0) {
          leave();
        } else if (state.remaining <= warning) {
          show(state.remaining);
          // Ask again soon: a request from another tab may have restarted the clock.
          window.clearTimeout(check);
          check = window.setTimeout(ask, Math.min(state.remaining, 15) * 1000);
        } else {
          hide();
          schedule(state.remaining);
        }
      })
      .catch(function () {
        schedule(warning * 2); // the network is away: ask again later
      });
  }

  stay.addEventListener("click", function () {
    var data = new FormData();
    if (csrf) {
      data.append("csrfmiddlewaretoken", csrf.value);
    }
    fetch(body.dataset.idleUrl, { method: "POST", body: data, credentials: "same-origin" })
      .then(answer)
      .then(function (state) {
        if (state && state.remaining) {
          hide();
          schedule(state.remaining);
        }
      });
  });

  schedule(timeout);
})();
