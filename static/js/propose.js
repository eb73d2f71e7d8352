/* A section head's proposals: ticking a nomination proposes 好; un-ticking it leaves the grade for the head to
 * choose. */
document.addEventListener("change", function (e) {
  var box = e.target;
  if (box.dataset && box.dataset.nominates && box.checked) {
    var select = document.querySelector('select[name="' + box.dataset.nominates + '"]');
    if (select) {
      select.value = "好";
    }
  }
});
