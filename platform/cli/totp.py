"""Demo sign-ins for staff need a two-factor code. This prints the current code for
a demo account's authenticator (named "Demo authenticator"), and for nothing else."""

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

HELP = "Print the current two-factor code of a demo staff account."
DEMO_DEVICE_NAME = "Demo authenticator"


def add_arguments(parser):
    parser.add_argument("email")


def run(options, out):
    device = TOTPDevice.objects.filter(user__email__iexact=options["email"], name=DEMO_DEVICE_NAME, confirmed=True).first()
    if device is None:
        raise LookupError(f"{options['email']} has no demo authenticator")
    out.write(f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}")
