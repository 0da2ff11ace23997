from django.contrib.auth.decorators import login_required
from django.urls import path

from cldc.platform.forms import address_search, collaboration, moving, views
from cldc.platform.forms.questions import PageForm
from cldc.platform.forms.wizard import LogWizard

# The wizard's form list is worked out per log (wizard.get_form_list); this entry
# only satisfies formtools' set-up. Signed in, as every other page of a log.
log_pages = login_required(
    LogWizard.as_view(form_list=[("page", PageForm)], url_name="log-page", done_step_name="done"))

urlpatterns = [
    path("logs/", views.log_list, name="log-list"),
    path("logs/new/", views.create_log, name="log-create"),
    path("logs/<int:pk>/", views.task_list, name="log-tasks"),
    path("logs/<int:pk>/page/<str:step>/", log_pages, name="log-page"),
    path("logs/<int:pk>/address-search/", login_required(address_search.address_search), name="log-address-search"),
    path("logs/<int:pk>/review/", views.review, name="log-review"),
    path("logs/<int:pk>/<str:subsection>/check-answers/", views.check_answers, name="log-check-answers"),
    path("logs/<int:pk>/soft-check/<str:rule>/", views.soft_check, name="log-soft-check"),
    path("logs/<int:pk>/assign/", collaboration.assign, name="log-assign"),
    path("logs/<int:pk>/share/", collaboration.share, name="log-share"),
    path("logs/<int:pk>/share/<int:user_pk>/stop/", collaboration.unshare, name="log-unshare"),
    path("logs/<int:pk>/move/", moving.move, name="log-move"),
]
