"""manage.py bench_api: the timing of one act of the workflow leaves the data as it was."""

import io

from api.management.commands.bench_api import Command
from assessment.models import ReviewRequest


def test_the_bench_times_a_review_answer_and_leaves_it_waiting(rows, unit):
    out = io.StringIO()
    command = Command(stdout=out)
    command._time_review_answer(unit, runs=2)
    assert "answered; median" in out.getvalue()
    assert ReviewRequest.objects.get(pk=rows["review-requests"]).is_open  # every run was rolled back
