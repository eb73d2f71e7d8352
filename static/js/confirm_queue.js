/* The organisation department's confirmation queues (the quarter's and the year's): the buttons' questions count
 * the units and people ticked (the server's text, the whole queue's, stays while nothing is ticked). */
(function () {
  "use strict";
  var form = document.getElementById("confirm-form");
  if (!form) return;
  form.addEventListener("change", function () {
    var units = 0,
      people = 0;
    form.querySelectorAll("input[name=unit]:checked").forEach(function (box) {
      units += 1;
      people += Number(box.dataset.people);
    });
    form.querySelectorAll("button[data-confirm-ticked]").forEach(function (button) {
      if (button.dataset.confirmAll === undefined) button.dataset.confirmAll = button.dataset.confirm;
      button.dataset.confirm = units
        ? button.dataset.confirmTicked.replace("{units}", units).replace("{people}", people)
        : button.dataset.confirmAll;
    });
  });
})();
