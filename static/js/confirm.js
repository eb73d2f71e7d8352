/* Confirmation before an irreversible act. A form (or the button that submits it) carrying
 * data-confirm="…" asks that question first; the text, written by the server, says what will happen and
 * to how many people. Cancelling leaves the page as it was. The server re-checks everything anyway. */
(function () {
  "use strict";

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var button = event.submitter;
      var question = (button && button.dataset && button.dataset.confirm) || (form.dataset && form.dataset.confirm);
      if (question && !window.confirm(question)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );
})();
