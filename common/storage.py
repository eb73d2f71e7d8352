"""Where files with people's data are kept."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files under PRIVATE_ROOT, read at each use (so a test may point it elsewhere). They have no URL:
    only a view that checks who asks sends one."""

    def __init__(self) -> None:
        super().__init__(base_url=None)

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("A private file has no URL; a view sends it.")
