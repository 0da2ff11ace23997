"""People: one account per person, shared by every service."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class StaffRole(models.TextChoices):
    """Department staff. Providers have no staff role: their role comes from a membership."""

    SUPPORT = "support", "Support"
    ANALYST = "analyst", "Analyst"
    CONTENT_DESIGNER = "content_designer", "Content designer"
    COLLECTION_ADMIN = "collection_admin", "Collection administrator"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)

    def create_user(self, email, password=None, **fields):
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)  # None gives an unusable password (invited, not yet set)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("is_superuser", True)
        fields.setdefault("staff_role", StaffRole.SUPPORT)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("email address", unique=True)
    name = models.CharField(max_length=150)
    phone = models.CharField(max_length=40, blank=True)
    staff_role = models.CharField(max_length=30, choices=StaffRole.choices, blank=True)
    is_active = models.BooleanField(
        default=True, help_text="Deactivated people cannot sign in. Their records and history stay."
    )
    date_joined = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(
        auto_now=True, help_text="Last change: a partial export re-sends the records that name the person")

    # Invitation: a person invited but not yet signed in has no usable password.
    invited_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    invited_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["name", "email"]
        verbose_name = "person"
        verbose_name_plural = "people"

    def __str__(self):
        return f"{self.name} <{self.email}>" if self.name else self.email

    def save(self, *args, **kwargs):
        self.email = self.email.lower()
        super().save(*args, **kwargs)
        from cldc.platform.people.roles import sync_staff_groups

        sync_staff_groups(self)

    # Wagtail and Django call these.
    def get_full_name(self):
        return self.name or self.email

    def get_short_name(self):
        return self.name.split(" ")[0] if self.name else self.email

    @property
    def is_staff(self):
        """Department staff. Staff must use two-factor authentication."""
        return bool(self.staff_role) or self.is_superuser

    @property
    def has_accepted_invitation(self):
        return self.has_usable_password()

    # --- Lockout (counted by django-axes: platform/people/lockout.py) ---------------
    def is_locked(self):
        from cldc.platform.people import lockout

        return lockout.is_locked(self.email)
