"""GOV.UK-styled Django forms: every form in the service renders through
crispy-forms-gds, with an error summary above the form (see themes/form.html)."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Layout


class GDSFormMixin:
    """Give a form a GOV.UK helper: errors in the summary, the form's own submit button."""

    submit_label = "Continue"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page template has the form tag and token
        self.helper.label_size = "s"
        self.helper.legend_size = "s"
        self.lay_out()

    def lay_out(self):
        """Every field, then the button: call again after adding fields in __init__."""
        self.helper.layout = Layout(*self.fields, Button("submit", self.submit_label))
