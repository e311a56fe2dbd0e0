// Roster's admin console: small progressive enhancements. Every page works
// without this script; it only saves clicks.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // The link page's "Open the console" form submits itself, so that a
  // person following the link lands on the Team page; a link scanner that
  // fetches the URL without running scripts does not use the link up.
  for (const form of document.querySelectorAll("form[data-autosubmit]")) {
    form.submit();
  }
  // "Copy" buttons next to a secret shown once.
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copy);
      if (!source || !navigator.clipboard) return;
      await navigator.clipboard.writeText(source.textContent.trim());
      button.textContent = "Copied";
    });
  }
});
