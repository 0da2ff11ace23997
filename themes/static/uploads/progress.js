// Progress of an upload, without reloading: the page works without this script
// (it has a refresh link), and reloads itself once the file is processed.
const box = document.getElementById('upload-progress')
if (box) {
  const bar = document.getElementById('progress-bar')
  const text = document.getElementById('progress-text')
  const poll = async () => {
    const response = await fetch(box.dataset.statusUrl, { headers: { Accept: 'application/json' } })
    if (response.ok) {
      const status = await response.json()
      bar.value = status.progress
      text.textContent = `${status.processed} of ${status.total || '…'}`
      if (!['received', 'processing'].includes(status.status)) {
        window.location.reload()
        return
      }
    }
    setTimeout(poll, 1500)
  }
  setTimeout(poll, 1000)
}
