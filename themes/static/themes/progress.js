// Progress of work in a Celery worker (an upload, a download), without reloading. The
// page works without this script (it has a refresh link); the box names its status.json
// (data-status-url) and the statuses that mean "still working" (data-working), and the
// page reloads itself once the work is over.
const box = document.querySelector('[data-status-url]')
if (box) {
  const bar = box.querySelector('progress')
  const text = box.querySelector('[data-progress-text]')
  const working = box.dataset.working.split(' ')
  const poll = async () => {
    const response = await fetch(box.dataset.statusUrl, { headers: { Accept: 'application/json' } })
    if (response.ok) {
      const status = await response.json()
      bar.value = status.progress
      text.textContent = `${status.processed} of ${status.total || '…'}`
      if (!working.includes(status.status)) {
        window.location.reload()
        return
      }
    }
    setTimeout(poll, 1500)
  }
  setTimeout(poll, 1000)
}
