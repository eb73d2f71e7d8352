/* The score-entry grid (templates/scoring/grid.html): keyboard moves, checks as you type, and saves a
 * changed row when the focus leaves it or after a pause. The server stays the authority: what it answers
 * (scoring/_grid_row.html) replaces the row's figures, marks and status. Without this file the page is a
 * plain form whose "save all" posts every row. */
(function () {
  "use strict";

  var form = document.getElementById("grid-form");
  if (!form) {
    return;
  }
  var msg = form.dataset;
  var PAUSE_MS = 2000;
  var NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
  var reason = document.getElementById("grid-reason");

  function rowOf(element) {
    return element.closest("tr[data-row-url]");
  }

  function inputsOf(row) {
    return Array.prototype.slice.call(row.querySelectorAll("input.grid-input"));
  }

  function valuesOf(row) {
    return inputsOf(row)
      .map(function (input) {
        return input.value.trim();
      })
      .join("\u001f");
  }

  function feedbackOf(input) {
    return input.parentNode.querySelector(".invalid-feedback");
  }

  /* The same rules as services.parse_points and the item's range; "" clears the entry. */
  function problemOf(input) {
    var raw = input.value.trim();
    if (raw === "") {
      return "";
    }
    if (!NUMBER.test(raw)) {
      return msg.msgNumber;
    }
    var value = Number(raw);
    if (value < 0) {
      return msg.msgNegative;
    }
    var decimals = raw.indexOf(".") < 0 ? "" : raw.split(".")[1].replace(/0+$/, "");
    if (decimals.length > 2) {
      return msg.msgDecimals;
    }
    if (value > Number(input.dataset.max)) {
      return msg.msgMax.replace("%s", input.dataset.max);
    }
    return "";
  }

  function check(input) {
    var problem = problemOf(input);
    input.classList.toggle("is-invalid", problem !== "");
    feedbackOf(input).textContent = problem;
    return problem === "";
  }

  function setStatus(row, state, text) {
    var cell = row.querySelector(".grid-status");
    var colour = { saving: "info", unsaved: "secondary", error: "danger" }[state] || "secondary";
    var badge = document.createElement("span");
    badge.className = "badge text-bg-" + colour;
    badge.textContent = text;
    cell.dataset.status = state;
    cell.replaceChildren(badge);
  }

  function parseRow(html) {
    var holder = document.createElement("tbody");
    holder.innerHTML = html.trim();
    return holder.querySelector("tr[data-row-url]");
  }

  function remember(row) {
    row.dataset.saved = valuesOf(row);
  }

  /* Take the server's row, but leave alone what the user typed since the request left; says whether
   * the user did type since. */
  function merge(row, fresh, sent) {
    var typedSince = valuesOf(row) !== sent;
    row.className = fresh.className;
    for (var i = 0; i < row.children.length && i < fresh.children.length; i++) {
      var mine = row.children[i].querySelector("input.grid-input");
      var theirs = fresh.children[i].querySelector("input.grid-input");
      if (mine && theirs) {
        mine.classList.toggle("is-invalid", theirs.classList.contains("is-invalid"));
        feedbackOf(mine).textContent = feedbackOf(theirs).textContent;
        if (!typedSince && document.activeElement !== mine) {
          mine.value = theirs.value;
        }
      } else {
        // The whole cell, attributes too: the status cell's data-status says the row's state.
        row.children[i].replaceWith(fresh.children[i].cloneNode(true));
      }
    }
    return typedSince;
  }

  function save(row) {
    window.clearTimeout(row._timer);
    if (row._busy) {
      row._again = true;
      return;
    }
    var inputs = inputsOf(row);
    var valid = inputs.map(check).every(Boolean);
    if (!valid) {
      setStatus(row, "error", msg.msgError);
      return;
    }
    var sent = valuesOf(row);
    if (sent === row.dataset.saved) {
      return;
    }
    var data = new FormData();
    row.querySelectorAll("input").forEach(function (input) {
      data.append(input.name, input.value);
    });
    data.append("csrfmiddlewaretoken", csrf.value);
    if (reason) {
      data.append("reason", reason.value);
    }
    row._busy = true;
    setStatus(row, "saving", msg.msgSaving);
    fetch(row.dataset.rowUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest" },
    })
      .then(function (response) {
        return response.text().then(function (text) {
          return { status: response.status, text: text };
        });
      })
      .then(function (answer) {
        var fresh = answer.status === 200 || answer.status === 409 || answer.status === 422 ? parseRow(answer.text) : null;
        if (fresh) {
          var typedSince = merge(row, fresh, sent);
          if (answer.status === 200) {
            // The server writes 8.5 as 8.50: what it stored is what the row now shows.
            row.dataset.saved = typedSince ? sent : valuesOf(row);
          }
        } else {
          setStatus(row, "error", answer.text.slice(0, 200) || msg.msgError);
        }
      })
      .catch(function () {
        setStatus(row, "error", msg.msgNetwork);
      })
      .finally(function () {
        row._busy = false;
        if (row._again) {
          row._again = false;
          if (valuesOf(row) !== row.dataset.saved) {
            save(row);
          }
        }
      });
  }

  function reload(row) {
    fetch(row.dataset.rowUrl, { credentials: "same-origin", headers: { "X-Requested-With": "XMLHttpRequest" } })
      .then(function (response) {
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) {
        var fresh = parseRow(html);
        if (fresh) {
          row.replaceWith(fresh);
          remember(fresh);
          var first = fresh.querySelector("input.grid-input");
          if (first) {
            first.focus();
          }
        }
      })
      .catch(function () {
        setStatus(row, "error", msg.msgNetwork);
      });
  }

  function move(input, step) {
    var table = input.closest("table");
    var column = Array.prototype.slice.call(
      table.querySelectorAll('input.grid-input[data-col="' + input.dataset.col + '"]')
    );
    var next = column[column.indexOf(input) + step];
    if (next) {
      next.focus();
    }
  }

  form.querySelectorAll("tr[data-row-url]").forEach(remember);

  form.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.classList.contains("grid-input")) {
      return;
    }
    if (event.key === "Enter" || event.key === "ArrowDown") {
      event.preventDefault(); // Enter would otherwise submit the whole grid
      move(input, event.key === "Enter" && event.shiftKey ? -1 : 1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      move(input, -1);
    }
  });

  form.addEventListener("focusin", function (event) {
    if (event.target.classList.contains("grid-input")) {
      event.target.select(); // typing replaces the value
    }
  });

  form.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.classList.contains("grid-input")) {
      return;
    }
    var row = rowOf(input);
    check(input);
    if (valuesOf(row) !== row.dataset.saved) {
      setStatus(row, "unsaved", msg.msgUnsaved);
      window.clearTimeout(row._timer);
      row._timer = window.setTimeout(function () {
        save(row);
      }, PAUSE_MS);
    }
  });

  form.addEventListener("focusout", function (event) {
    var row = event.target.classList.contains("grid-input") ? rowOf(event.target) : null;
    if (!row || (event.relatedTarget && row.contains(event.relatedTarget))) {
      return;
    }
    if (valuesOf(row) !== row.dataset.saved) {
      save(row);
    }
  });

  form.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-reload]");
    if (link) {
      event.preventDefault();
      reload(rowOf(link));
    }
  });

  window.addEventListener("beforeunload", function (event) {
    var pending = Array.prototype.some.call(form.querySelectorAll("tr[data-row-url]"), function (row) {
      return row._busy || valuesOf(row) !== row.dataset.saved;
    });
    if (pending && !form._submitting) {
      event.preventDefault();
      event.returnValue = msg.msgLeave;
    }
  });

  form.addEventListener("submit", function (event) {
    // Save all waits for the rows still being saved, so it posts their new versions, not the old ones.
    var busy = Array.prototype.some.call(form.querySelectorAll("tr[data-row-url]"), function (row) {
      return row._busy;
    });
    if (busy) {
      event.preventDefault();
      window.setTimeout(function () {
        form.requestSubmit(event.submitter);
      }, 100);
      return;
    }
    form._submitting = true;
  });
})();
