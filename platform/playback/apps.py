from django.apps import AppConfig


class PlaybackConfig(AppConfig):
    name = "cldc.platform.playback"
    label = "playback"
    verbose_name = "Organisations' figures"
