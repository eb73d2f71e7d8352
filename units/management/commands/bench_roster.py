"""Timings of the roster import: a unit of N people (default 1,300) imported from nothing, then the same file
again, then its downloaded template. Runs in one transaction that is rolled back, so nothing is kept; needs
only a migrated database (no seed).

python manage.py migrate && python manage.py bench_roster --people 1300
"""

import datetime
import io
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, reset_queries, transaction
from openpyxl import Workbook, load_workbook

from units.models import Person, Placement, Region, RoleAssignment, Section, Unit, UnitCategory
from units.roster import HEADERS, roster_import, roster_template
from units.validators import id_check_char

User = get_user_model()


def _id_number(serial: int) -> str:
    first17 = f"{110101 + serial // 900:06d}{datetime.date(1970, 1, 1) + datetime.timedelta(days=serial * 7):%Y%m%d}"
    first17 += f"{serial % 900 + 100:03d}"[:3]
    return first17 + id_check_char(first17)


class Command(BaseCommand):
    help = "Benchmark the roster import (first import, re-import, template round trip); nothing is kept."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=1300)
        parser.add_argument("--sections", type=int, default=25)

    def handle(self, *args, people: int, sections: int, **options):
        self.stdout.write(f"database: {connection.vendor}; people: {people}; hasher: {settings.PASSWORD_HASHERS[0]}")
        with transaction.atomic():
            region = Region.objects.create(code="BENCH-R", name="基准测试区")
            category = UnitCategory.objects.get_or_create(code="comprehensive", defaults={"name": "综合管理"})[0]
            unit = Unit.objects.create(region=region, category=category, code="BENCH-U", name="基准测试局")
            other = Unit.objects.create(region=region, category=category, code="BENCH-O", name="基准其他局")
            names = [f"第{i + 1}股" for i in range(sections)]
            Section.objects.bulk_create([Section(unit=unit, name=n, order=i) for i, n in enumerate(names)])
            officer = User.objects.create(username="bench-officer")
            RoleAssignment.objects.create(user=officer, role="office", unit=unit)

            rows = []
            for i in range(people):
                cells = {
                    "单位代码": unit.code,
                    "股室": names[i % sections],
                    "姓名": f"测试{i:04d}",
                    "身份证号": _id_number(i),
                    "职务": "科员",
                    "职级": "一级科员",
                    "职务排序": i,
                    "调入日期": datetime.date(2024, 1, 1),
                }
                if i % 20 == 0:
                    cells.update(
                        {"借调类型": "借调", "考核单位代码": other.code, "开始日期": datetime.date(2025, 3, 1)}
                    )
                rows.append([cells.get(h) for h in HEADERS])
            workbook = Workbook()
            ws = workbook.active
            ws.append(list(HEADERS))
            for r in rows:
                ws.append(r)
            buffer = io.BytesIO()
            workbook.save(buffer)
            content = buffer.getvalue()

            def timed(label, action):
                reset_queries()
                started = time.perf_counter()
                outcome = action()
                elapsed = time.perf_counter() - started
                queries = len(connection.queries) if settings.DEBUG else "n/a (DEBUG off)"
                self.stdout.write(f"{label:<40} {elapsed:7.2f} s   queries: {queries}")
                return outcome

            first = timed("first import", lambda: roster_import(content=content, file_name="b.xlsx", by=officer))
            again = timed(
                "re-import, same file", lambda: roster_import(content=content, file_name="b.xlsx", by=officer)
            )
            template = timed("template download", lambda: roster_template(by=officer, unit=unit))
            third = timed(
                "re-import of the template", lambda: roster_import(content=template, file_name="t", by=officer)
            )
            sheet = load_workbook(io.BytesIO(template)).active
            for r in range(2, sheet.max_row + 1):
                sheet.cell(row=r, column=HEADERS.index("股室") + 1, value=names[r % sections])
                sheet.cell(row=r, column=HEADERS.index("调入日期") + 1, value=datetime.date(2025, 7, 1))
            buffer = io.BytesIO()
            sheet.parent.save(buffer)
            moves = buffer.getvalue()
            fourth = timed("re-import moving everyone", lambda: roster_import(content=moves, file_name="m", by=officer))
            for label, outcome in (("first", first), ("again", again), ("template", third), ("moves", fourth)):
                r = outcome.record
                self.stdout.write(
                    f"{label}: rows {r.rows}, created {r.created}, updated {r.updated}, moved {r.moved}, "
                    f"placements {r.placements}, accounts {r.accounts_created}"
                )
            self.stdout.write(
                f"people {Person.objects.filter(unit=unit).count()}, "
                f"placements {Placement.objects.filter(person__unit=unit).count()}"
            )
            transaction.set_rollback(True)
