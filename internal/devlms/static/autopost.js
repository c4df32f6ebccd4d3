// Submits the platform's auto-post form as soon as the page is parsed. The
// page's Continue button does the same for browsers without JavaScript.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-autopost]");
  if (form) {
    form.submit();
  }
});
