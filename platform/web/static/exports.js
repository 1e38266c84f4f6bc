/* The report downloads page: while a file is being written, ask its status every two seconds
   (GET /console/reports/exports/<token>/status) and move its progress bar; when it is ready,
   show the download link. Without JavaScript the page refreshes itself instead (a <noscript> refresh). */
(function () {
  "use strict";

  function poll(row) {
    var token = row.getAttribute("data-export-token");
    fetch("/console/reports/exports/" + encodeURIComponent(token) + "/status",
          { headers: { accept: "application/json" }, credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (status) {
        if (!status) { return; }
        var bar = row.querySelector("progress");
        bar.value = status.percent;
        bar.textContent = status.percent + "%";
        var text = row.querySelector("[data-export-text]");
        text.textContent = status.status_title;
        row.setAttribute("data-export-status", status.status);
        if (status.download) {
          window.location.reload();  // the page shows the link and until when it is kept
        } else if (status.status === "queued" || status.status === "running") {
          window.setTimeout(function () { poll(row); }, 2000);
        }
      })
      .catch(function () { window.setTimeout(function () { poll(row); }, 5000); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var rows = document.querySelectorAll("[data-export-status='queued'], [data-export-status='running']");
    if (!rows.length) { return; }
    Array.prototype.forEach.call(rows, poll);
  });
}());
