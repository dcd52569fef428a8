// Polls the status of background jobs shown on a page ([data-job-status] = JSON url);
// shows progress, and reloads the page once a job has finished so its result appears.
(function () {
  if (window.yrdJobsPolling) return;
  window.yrdJobsPolling = true;
  function poll(box) {
    fetch(box.getAttribute("data-job-status"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((job) => {
        const progress = box.querySelector("[data-job-progress]");
        if (progress) progress.textContent = job.progress;
        if (job.status === "finished") { window.location.reload(); return; }
        if (job.status === "failed") {
          box.classList.replace("alert-info", "alert-danger");
          box.querySelector("[data-job-failed]").classList.remove("d-none");
          box.querySelector("[data-job-error]").textContent = job.error || "";
          return;
        }
        setTimeout(() => poll(box), 1500);
      })
      .catch(() => setTimeout(() => poll(box), 5000));
  }
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-job-status]").forEach((box) => poll(box));
  });
})();
