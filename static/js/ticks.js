/* Small behaviours of many pages, declared in the markup (the Content-Security-Policy allows no inline script):
 *   <input type="checkbox" data-tick-all="input[name=result]">  ticks or unticks every box the selector finds;
 *   <form data-question="… __N__ …" data-count="input[name=result]:checked">  keeps the form's data-confirm
 *     question (static/js/confirm.js) counting the boxes ticked;
 *   <button data-print>  prints the page. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.matches && target.matches("input[type=checkbox][data-tick-all]")) {
      document.querySelectorAll(target.dataset.tickAll).forEach(function (box) {
        box.checked = target.checked;
      });
    } else if (target.closest && target.closest("[data-print]")) {
      window.print();
    }
  });

  document.addEventListener("change", function (event) {
    var form = event.target.closest ? event.target.closest("form[data-question][data-count]") : null;
    if (form) {
      form.dataset.confirm = form.dataset.question.replace("__N__", form.querySelectorAll(form.dataset.count).length);
    }
  });
})();
