// Progressive enhancement only: every page works without this script.
import { initAll } from '/static/govuk/govuk-frontend.min.js'
initAll()

// A long select (data-cldc-autocomplete) becomes an accessible autocomplete: type a few
// letters of a name, choose from the matches. The select stays in the form and is what
// is sent; without the script (or before it loads) the select itself is the answer.
function enhanceSelects () {
  const autocomplete = window.accessibleAutocomplete
  if (!autocomplete) return
  for (const select of document.querySelectorAll('select[data-cldc-autocomplete]')) {
    const id = select.id
    const describedBy = select.getAttribute('aria-describedby')
    autocomplete.enhanceSelectElement({
      selectElement: select,
      defaultValue: '',
      inputClasses: select.classList.contains('govuk-select--error') ? 'govuk-input--error' : ''
    })
    const input = document.getElementById(id) // the input takes the select's id, so its label names it
    if (!input || input === select) continue
    if (describedBy) {
      const own = input.getAttribute('aria-describedby')
      input.setAttribute('aria-describedby', own ? `${own} ${describedBy}` : describedBy)
    }
    // What is typed counts only when it is a name in the list: clearing the box clears the answer.
    select.form.addEventListener('submit', () => {
      const chosen = Array.from(select.options).find(option => option.value && option.textContent === input.value)
      select.value = chosen ? chosen.value : ''
    })
  }
}
enhanceSelects()
