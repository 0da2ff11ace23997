"""Notification banners that support write for a service (docs/banners-and-resources.md).

A banner shows on every page of its service from its start date to its end date, to
people signed in and, when `before_sign_in`, to everyone. A person dismisses it once:
their dismissal is kept here (people signed in) or in their session (people not signed
in). Banners live in the service's schema, like the rest of its content."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from cldc.platform.notices.markdown import banner_html, page_html


class BannerQuerySet(models.QuerySet):
    def showing_on(self, day):
        return self.filter(starts_on__lte=day, ends_on__gte=day)

    def shown_to(self, user, day=None, dismissed_in_session=()):
        """The banners a person sees today: showing, for them (before sign-in or not),
        and not dismissed."""
        banners = self.showing_on(day or timezone.localdate())
        if not (user and user.is_authenticated):
            return banners.filter(before_sign_in=True).exclude(pk__in=dismissed_in_session)
        return banners.exclude(dismissals__user=user)


class Banner(models.Model):
    title = models.TextField(max_length=300, help_text="Markdown: links and bold only")
    link_text = models.CharField(max_length=100, blank=True, help_text="The link to the banner's page, if it has one")
    page_content = models.TextField(max_length=10000, blank=True, help_text="Markdown: the page the link opens")
    starts_on = models.DateField()
    ends_on = models.DateField()
    before_sign_in = models.BooleanField(default=False, help_text="Shown to people who have not signed in too")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)

    objects = BannerQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-pk"]

    def __str__(self):
        return self.title

    @property
    def title_html(self):
        return banner_html(self.title)

    @property
    def page_html(self):
        return page_html(self.page_content)

    @property
    def has_page(self):
        return bool(self.link_text and self.page_content)


class Dismissal(models.Model):
    """A person has dismissed a banner: it no longer shows to them."""

    banner = models.ForeignKey(Banner, on_delete=models.CASCADE, related_name="dismissals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    dismissed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["banner", "user"], name="one_dismissal_per_person")]
