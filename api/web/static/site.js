/* Progressive enhancement only: the pages work without this file. */
(function () {
  "use strict";
  var form = document.querySelector("[data-testid=scan-form]");
  if (!form) { return; }
  var input = form.querySelector("input[type=file]");
  var button = form.querySelector("button[type=submit]");
  if (!input || !button) { return; }
  input.addEventListener("change", function () {
    if (input.files && input.files.length) {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      form.submit();
    }
  });
})();
