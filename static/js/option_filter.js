/* A search box carrying data-filter-options="<selector>" hides, in every select the selector names, the
 * options whose text does not contain what is typed (a long list of people stays usable on a phone).
 * The chosen option and the empty one always stay. The server checks every choice anyway. */
(function () {
  "use strict";

  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.dataset || !box.dataset.filterOptions) return;
    var wanted = box.value.trim().toLowerCase();
    document.querySelectorAll(box.dataset.filterOptions).forEach(function (select) {
      Array.prototype.forEach.call(select.options, function (option) {
        option.hidden = !(option.selected || !option.value || option.text.toLowerCase().indexOf(wanted) !== -1);
      });
    });
  });
})();
