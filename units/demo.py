"""The demo county: one region, 40 units, about 150 sections and about 1,300 people.

Everything is generated from a fixed random seed, so every run produces the same rows, and the loader
creates only what is missing: a second run changes nothing.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from units.validators import id_check_char

DEMO_REGION_CODE = "999001"
DEMO_REGION_NAME = "青山区（演示）"
DEMO_PASSWORD = "kaohe-demo-2026"
SEED = 20261121
# The people (names, birth dates, ID numbers) are generated against this fixed year, so they are the same
# whenever the demo is built; only the dated placements follow the demo's own year.
IDENTITY_YEAR = 2026

# (name, category code, size weight, sections). A section is a name or (name, [sub-section names]).
UNITS: list[tuple[str, str, int, list]] = [
    ("区委办公室", "comprehensive", 3, ["秘书科", "综合科", "督查室", "机要保密科"]),
    ("区政府办公室", "comprehensive", 3, ["秘书科", "综合科", "督查科", "法制科"]),
    ("区委组织部", "comprehensive", 3, ["办公室", "干部科", "组织科", "公务员管理科"]),
    ("区委宣传部", "comprehensive", 2, ["办公室", "宣传科", "网信科"]),
    ("区发展和改革局", "comprehensive", 3, ["办公室", "规划科", "投资科", "价格科"]),
    ("区财政局", "comprehensive", 4, ["办公室", "预算股", "国库股", "会计股", "政府采购股"]),
    ("区教育局", "comprehensive", 4, ["办公室", "基础教育股", "人事股", "计划财务股"]),
    ("区科学技术局", "comprehensive", 2, ["办公室", "科技计划股", "成果转化股"]),
    ("区工业和信息化局", "comprehensive", 2, ["办公室", "工业股", "信息化股"]),
    ("区民政局", "comprehensive", 3, ["办公室", "社会救助股", "养老服务股", "区划地名股"]),
    ("区人力资源和社会保障局", "comprehensive", 4, ["办公室", "就业促进股", "劳动关系股", "社会保险股"]),
    ("区自然资源局", "comprehensive", 4, ["办公室", "规划股", "耕地保护股", "执法监察大队"]),
    ("区生态环境局", "comprehensive", 3, ["办公室", "环境监测站", "执法大队"]),
    ("区住房和城乡建设局", "comprehensive", 4, ["办公室", "建筑市场股", "房地产股", "质量安全股"]),
    ("区交通运输局", "comprehensive", 3, ["办公室", "规划建设股", "运输管理股"]),
    ("区水利局", "comprehensive", 2, ["办公室", "水资源股", "工程建设股"]),
    ("区农业农村局", "comprehensive", 4, ["办公室", "种植业股", "畜牧兽医股", "乡村振兴股"]),
    ("区商务局", "comprehensive", 2, ["办公室", "市场运行股", "对外贸易股"]),
    ("区文化和旅游局", "comprehensive", 2, ["办公室", "文化艺术股", "旅游发展股"]),
    ("区卫生健康委员会", "comprehensive", 3, ["办公室", "医政股", "疾病预防控制股", "基层卫生股"]),
    ("区审计局", "comprehensive", 2, ["办公室", "财政审计股", "经济责任审计股"]),
    ("区统计局", "comprehensive", 2, ["办公室", "综合统计股", "普查中心"]),
    ("区委政法委员会", "law", 2, ["办公室", "综治督导科", "执法监督科"]),
    (
        "区公安分局",
        "law",
        14,
        [
            "政治处",
            "指挥中心",
            ("刑事侦查大队", ["刑侦一中队", "刑侦二中队"]),
            ("治安管理大队", ["治安一中队", "治安二中队"]),
            "交通警察大队",
            "城关派出所",
            "东城派出所",
            "西城派出所",
        ],
    ),
    ("区人民法院", "law", 6, ["立案庭", "刑事审判庭", "民事审判庭", "执行局", "办公室"]),
    ("区人民检察院", "law", 5, ["办公室", "第一检察部", "第二检察部", "第三检察部"]),
    ("区司法局", "law", 3, ["办公室", "法治督察股", "社区矫正股", "城关司法所"]),
    ("区信访局", "law", 2, ["办公室", "来访接待股", "督查督办股"]),
    ("区总工会", "mass", 2, ["办公室", "组织部", "权益保障部"]),
    ("共青团区委", "mass", 1, ["办公室", "青少年工作部"]),
    ("区妇女联合会", "mass", 1, ["办公室", "权益部"]),
    ("区工商业联合会", "mass", 1, ["办公室", "会员部"]),
    ("区科学技术协会", "mass", 1, ["办公室", "科普部"]),
    ("区残疾人联合会", "mass", 1, ["办公室", "康复就业部"]),
    ("区政务服务中心", "window", 4, ["综合窗口科", "投资审批科", "社会事务科", "监督管理科"]),
    ("区市场监督管理局", "window", 6, ["办公室", "登记注册股", "食品安全股", "城关市场监管所", "东城市场监管所"]),
    ("区医疗保障局", "window", 2, ["办公室", "待遇保障股", "基金监管股"]),
    ("区退役军人事务局", "window", 2, ["办公室", "优抚安置股", "服务中心"]),
    ("区城市管理局", "window", 4, ["办公室", "市容环卫股", "执法一中队", "执法二中队"]),
    ("区不动产登记中心", "window", 2, ["登记窗口股", "档案股"]),
]
TOTAL_PEOPLE = 1300

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
MALE_CHARS = (
    "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子"
    "杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮"
    "政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航"
    "弘"
)
FEMALE_CHARS = (
    "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉"
    "琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨"
    "瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"
)
ID_AREA_PREFIXES = ("370102", "370103", "370104", "370105", "370112", "370124")

UNIT_HEAD_POSTS = ("局长", "副局长", "副局长")
STAFF_RANKS = ("一级主任科员", "二级主任科员", "三级主任科员", "四级主任科员", "一级科员", "二级科员")


def _duties(n: int, post: str, section_name: str | None) -> str:
    """从事或分管工作 as an office would write it (no draw from the generator: the county stays the same)."""
    if section_name is None:
        return "主持全面工作" if n == 0 else "协助主要领导分管业务工作"
    if post in ("股长", "负责人"):
        return f"主持{section_name}全面工作"
    return f"从事{section_name}业务工作"


@dataclass
class DemoPerson:
    id_number: str
    name: str
    sex: str
    birth_date: datetime.date
    political_status: str
    post: str
    rank: str
    post_order: int
    took_post_on: datetime.date
    staffing_type: str
    unit_code: str
    section_name: str | None
    duties: str = ""
    managed_by: str = "unit"  # the unit's principal is a 县管干部: "region"


@dataclass
class DemoPlacement:
    id_number: str
    kind: str
    unit_code: str
    section_name: str | None
    start_date: datetime.date
    end_date: datetime.date | None
    note: str = ""


@dataclass
class DemoSection:
    unit_code: str
    name: str
    parent_name: str | None
    order: int


@dataclass
class DemoUnit:
    code: str
    name: str
    category: str
    order: int


@dataclass
class DemoCounty:
    units: list[DemoUnit] = field(default_factory=list)
    sections: list[DemoSection] = field(default_factory=list)
    people: list[DemoPerson] = field(default_factory=list)
    placements: list[DemoPlacement] = field(default_factory=list)


def unit_code(index: int) -> str:
    return f"QS{index + 1:03d}"


def _id_number(rng: random.Random, birth: datetime.date, sex: str, taken: set[str]) -> str:
    while True:
        prefix = rng.choice(ID_AREA_PREFIXES) + birth.strftime("%Y%m%d")
        seq = rng.randrange(0, 500) * 2 + (1 if sex == "M" else 0)
        first17 = f"{prefix}{seq:03d}"
        number = first17 + id_check_char(first17)
        if number not in taken:
            taken.add(number)
            return number


def _name(rng: random.Random, sex: str, taken: set[str]) -> str:
    chars = MALE_CHARS if sex == "M" else FEMALE_CHARS
    for _attempt in range(20):
        given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.75 else "")
        name = rng.choice(SURNAMES) + given
        if name not in taken:
            taken.add(name)
            return name
    return name  # a namesake is realistic; the ID number tells them apart


def _political_status(rng: random.Random, age: int) -> str:
    roll = rng.random()
    if roll < 0.72:
        return "cpc"
    if roll < 0.77:
        return "cpc_probationary"
    if roll < 0.87 and age < 28:
        return "league"
    if roll < 0.90:
        return "democratic_party"
    if roll < 0.93:
        return "non_party"
    return "masses"


def build_county(year: int) -> DemoCounty:
    """The whole demo county as plain values; the same people every time, placements dated in ``year``."""
    rng = random.Random(SEED)
    county = DemoCounty()
    weights = [w for _n, _c, w, _s in UNITS]
    total_weight = sum(weights)
    sizes = [max(12, TOTAL_PEOPLE * w // total_weight) for w in weights]
    sizes[weights.index(max(weights))] += TOTAL_PEOPLE - sum(sizes)  # the police bureau absorbs the remainder

    taken_ids: set[str] = set()
    taken_names: set[str] = set()
    base = IDENTITY_YEAR
    for index, (name, category, _weight, sections) in enumerate(UNITS):
        code = unit_code(index)
        county.units.append(DemoUnit(code=code, name=name, category=category, order=index + 1))
        seats: list[str] = []
        order = 0
        for entry in sections:
            parent, children = (entry, []) if isinstance(entry, str) else entry
            order += 1
            county.sections.append(DemoSection(unit_code=code, name=parent, parent_name=None, order=order))
            seats.append(parent)
            for child in children:
                order += 1
                county.sections.append(DemoSection(unit_code=code, name=child, parent_name=parent, order=order))
                seats.append(child)

        staffing_default = "reference" if category == "mass" else "civil_servant"
        for n in range(sizes[index]):
            sex = "M" if rng.random() < 0.62 else "F"
            if n < len(UNIT_HEAD_POSTS):
                post, rank, section_name, age = UNIT_HEAD_POSTS[n], ("一级调研员" if n == 0 else "二级调研员"), None, 0
                age = rng.randint(42, 57)
            else:
                section_name = seats[(n - len(UNIT_HEAD_POSTS)) % len(seats)]
                first_in_section = n - len(UNIT_HEAD_POSTS) < len(seats)
                if first_in_section:
                    post, rank, age = "股长" if "股" in section_name else "负责人", "一级主任科员", rng.randint(35, 55)
                else:
                    post, rank, age = "科员", rng.choice(STAFF_RANKS[1:]), rng.randint(23, 58)
            birth = datetime.date(base - age, rng.randint(1, 12), rng.randint(1, 28))
            staffing = staffing_default
            if section_name is not None and rng.random() < 0.03:
                staffing = "borrowed_career"
            took_post = datetime.date(max(birth.year + 22, base - 1 - rng.randint(0, 12)), rng.randint(1, 12), 1)
            county.people.append(
                DemoPerson(
                    id_number=_id_number(rng, birth, sex, taken_ids),
                    name=_name(rng, sex, taken_names),
                    sex=sex,
                    birth_date=birth,
                    political_status=_political_status(rng, age),
                    post=post,
                    rank=rank,
                    post_order=n + 1,
                    took_post_on=took_post,
                    staffing_type=staffing,
                    unit_code=code,
                    section_name=section_name,
                    duties=_duties(n, post, section_name),
                    # The unit's principal is managed by the district committee (县管干部): the organisation
                    # department assesses them in its cadre group, not their unit.
                    managed_by="region" if n == 0 else "unit",
                )
            )

    year_start = datetime.date(min(year, base), 1, 1)
    for person in county.people:
        county.placements.append(
            DemoPlacement(
                id_number=person.id_number,
                kind="home",
                unit_code=person.unit_code,
                section_name=person.section_name,
                start_date=min(person.took_post_on, year_start),
                end_date=None,
            )
        )
    _away_placements(rng, county, year)
    return county


def _away_placements(rng: random.Random, county: DemoCounty, year: int) -> None:
    """A few dozen placements of each non-home kind, all inside the demo year."""
    reserved = {p.id_number for p in account_people(county).values()}
    staff = [p for p in county.people if p.section_name is not None and p.id_number not in reserved]
    rng.shuffle(staff)
    service_centre = next(u.code for u in county.units if u.name == "区政务服务中心")
    centre_sections = [s.name for s in county.sections if s.unit_code == service_centre]
    others = [u.code for u in county.units]
    sections_by_unit: dict[str, list[str]] = {}
    for s in county.sections:
        sections_by_unit.setdefault(s.unit_code, []).append(s.name)
    children = {(s.unit_code, s.parent_name) for s in county.sections if s.parent_name}
    leaves = {
        code: [name for name in names if (code, name) not in children] for code, names in sections_by_unit.items()
    }

    plan = [("seconded", 30), ("borrowed", 25), ("stationed", 25), ("training", 24)]
    cursor = 0
    for kind, count in plan:
        made = 0
        while made < count:
            person = staff[cursor]
            cursor += 1
            if kind == "stationed":
                if person.unit_code == service_centre:
                    continue
                unit, section = service_centre, rng.choice(centre_sections)
            elif kind == "training":
                unit, section = person.unit_code, person.section_name  # assessed at home, as arranged
            else:
                unit = rng.choice([c for c in others if c != person.unit_code])
                section = rng.choice(leaves[unit])
            quarter = rng.randint(1, 4)
            start = datetime.date(year, quarter * 3 - 2, 1)
            end = None if kind in ("seconded", "stationed") and rng.random() < 0.5 else _quarter_end(year, quarter)
            notes = {
                "seconded": "区委组织部挂职通知",
                "borrowed": "借用审批表",
                "stationed": "派驻政务服务中心",
                "training": "参加区委党校中青班",
            }
            county.placements.append(
                DemoPlacement(
                    id_number=person.id_number,
                    kind=kind,
                    unit_code=unit,
                    section_name=section,
                    start_date=start,
                    end_date=end,
                    note=notes[kind],
                )
            )
            made += 1


def _quarter_end(year: int, quarter: int) -> datetime.date:
    month = quarter * 3
    next_month = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return next_month - datetime.timedelta(days=1)


# The demo accounts, all with DEMO_PASSWORD. Each belongs to a person of the county:
# username → (role, node it is held on, (unit index, section or None for the leadership, n-th person there)).
CADRE_GROUP_CODE = "QS-GB"
CADRE_GROUP_NAME = "区管干部（区委组织部考核）"
OFFICE_UNIT = 23  # 区公安分局: the biggest unit, with nested sections
OTHER_UNIT = 5  # 区财政局
DEMO_SECTION = "刑事侦查大队"  # has sub-sections, so its head's role shows inheritance
DEMO_ACCOUNTS: dict[str, tuple[str | None, object, tuple[int, str | None, int]]] = {
    "org": ("org", "region", (2, "公务员管理科", 0)),
    "office": ("office", OFFICE_UNIT, (OFFICE_UNIT, "政治处", 0)),
    "committee": ("committee", OFFICE_UNIT, (OFFICE_UNIT, None, 1)),
    "leader": ("principal", OFFICE_UNIT, (OFFICE_UNIT, None, 0)),
    "section": ("section_head", (OFFICE_UNIT, DEMO_SECTION), (OFFICE_UNIT, DEMO_SECTION, 0)),
    "staff": (None, None, (OFFICE_UNIT, DEMO_SECTION, 1)),
    "office2": ("office", OTHER_UNIT, (OTHER_UNIT, "办公室", 0)),
    # The deputies who act where recusal stops the first holder: on the leader's, the committee member's
    # and the office's own results.
    "leader2": ("deputy", OFFICE_UNIT, (OFFICE_UNIT, None, 2)),
    "committee2": ("committee", OFFICE_UNIT, (OFFICE_UNIT, "指挥中心", 0)),
    "office-deputy": ("office", OFFICE_UNIT, (OFFICE_UNIT, "政治处", 2)),
    # The organisation department's cadre group: its office scores and proposes, its leaders approve and
    # decide (the 局长 of every unit is a 县管干部 there, `leader` among them).
    "cadre-office": ("office", "cadres", (2, "干部科", 0)),
    "cadre-leader": ("principal", "cadres", (2, None, 1)),
    "cadre-committee": ("committee", "cadres", (2, None, 2)),
    # A head for every other top section of the unit (each covers its squads).
    "head-zzc": ("section_head", (OFFICE_UNIT, "政治处"), (OFFICE_UNIT, "政治处", 1)),
    "head-zhzx": ("section_head", (OFFICE_UNIT, "指挥中心"), (OFFICE_UNIT, "指挥中心", 1)),
    "head-zadd": ("section_head", (OFFICE_UNIT, "治安管理大队"), (OFFICE_UNIT, "治安管理大队", 0)),
    "head-jjdd": ("section_head", (OFFICE_UNIT, "交通警察大队"), (OFFICE_UNIT, "交通警察大队", 0)),
    "head-cg": ("section_head", (OFFICE_UNIT, "城关派出所"), (OFFICE_UNIT, "城关派出所", 0)),
    "head-dc": ("section_head", (OFFICE_UNIT, "东城派出所"), (OFFICE_UNIT, "东城派出所", 0)),
    "head-xc": ("section_head", (OFFICE_UNIT, "西城派出所"), (OFFICE_UNIT, "西城派出所", 0)),
}


def account_people(county: DemoCounty) -> dict[str, DemoPerson]:
    """The person behind each demo account."""
    found: dict[str, DemoPerson] = {}
    for username, (_role, _on, (unit_index, section_name, nth)) in DEMO_ACCOUNTS.items():
        code = unit_code(unit_index)
        here = [p for p in county.people if p.unit_code == code and p.section_name == section_name]
        found[username] = here[nth]
    return found


class DemoRefused(Exception):
    """The database holds people the demo did not create: seed_demo leaves it alone."""


def demo_year(today: datetime.date) -> int:
    """The demo's own year: the year it was first built in, or this year for a new one."""
    from units.models import Placement

    first = (
        Placement.objects.filter(person__unit__region__code=DEMO_REGION_CODE)
        .exclude(kind=Placement.Kind.HOME)
        .order_by("start_date")
        .values_list("start_date", flat=True)
        .first()
    )
    return first.year if first else today.year


def load_demo(year: int) -> dict[str, int]:
    """Create whatever of the demo county is missing; returns how many rows of each kind were created."""
    from django.conf import settings
    from django.db import transaction

    if not settings.DEMO_DATA_ALLOWED:
        raise DemoRefused("Demo data is not allowed with these settings (DEMO_DATA_ALLOWED is false).")
    county = build_county(year)
    with transaction.atomic():
        return _load(county)


def _load(county: DemoCounty) -> dict[str, int]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from units.models import Person, Placement, Region, RoleAssignment, Section, Unit, UnitCategory

    foreign = Person.objects.exclude(unit__region__code=DEMO_REGION_CODE)
    if foreign.exists():
        raise DemoRefused(
            f"The database holds {foreign.count()} people outside the demo region; seed_demo only fills an "
            "empty database or its own demo county."
        )
    demo_ids = {p.id_number for p in county.people}
    strangers = Person.objects.filter(unit__region__code=DEMO_REGION_CODE).exclude(id_number__in=demo_ids)
    if strangers.exists():
        raise DemoRefused(f"The demo region holds {strangers.count()} people the demo did not create.")
    User = get_user_model()
    taken = (
        User.objects.filter(username__in=DEMO_ACCOUNTS)
        .exclude(person__unit__region__code=DEMO_REGION_CODE)
        .values_list("username", flat=True)
    )
    if taken:
        raise DemoRefused(f"Accounts named {', '.join(sorted(taken))} exist and are not demo accounts.")
    created: dict[str, int] = {}

    region, made = Region.objects.get_or_create(code=DEMO_REGION_CODE, defaults={"name": DEMO_REGION_NAME})
    created["regions"] = int(made)

    categories = {c.code: c for c in UnitCategory.objects.all()}
    existing_units = set(Unit.objects.filter(region=region).values_list("code", flat=True))
    new_units = [
        Unit(region=region, category=categories[u.category], code=u.code, name=u.name, order=u.order)
        for u in county.units
        if u.code not in existing_units
    ]
    Unit.objects.bulk_create(new_units)
    created["units"] = len(new_units)
    # The district's 县管干部, assessed as a group of their own by the organisation department.
    _group, made = Unit.objects.get_or_create(
        code=CADRE_GROUP_CODE,
        defaults={
            "region": region,
            "category": categories["comprehensive"],
            "name": CADRE_GROUP_NAME,
            "order": len(county.units) + 1,
            "is_cadre_group": True,
        },
    )
    created["units"] += int(made)
    units = {u.code: u for u in Unit.objects.filter(region=region)}

    # Parents first, so children can point at them.
    created["sections"] = 0
    for level in (False, True):
        sections = {
            (s.unit.code, s.name): s for s in Section.objects.filter(unit__region=region).select_related("unit")
        }
        new_sections = [
            Section(
                unit=units[s.unit_code],
                name=s.name,
                order=s.order,
                parent=sections[(s.unit_code, s.parent_name)] if s.parent_name else None,
            )
            for s in county.sections
            if (s.parent_name is not None) == level and (s.unit_code, s.name) not in sections
        ]
        Section.objects.bulk_create(new_sections)
        created["sections"] += len(new_sections)
    sections = {(s.unit.code, s.name): s for s in Section.objects.filter(unit__region=region).select_related("unit")}

    existing_people = set(Person.objects.filter(unit__region=region).values_list("id_number", flat=True))
    new_people = [
        Person(
            id_number=p.id_number,
            name=p.name,
            sex=p.sex,
            birth_date=p.birth_date,
            political_status=p.political_status,
            post=p.post,
            rank=p.rank,
            duties=p.duties,
            post_order=p.post_order,
            took_post_on=p.took_post_on,
            staffing_type=p.staffing_type,
            managed_by=p.managed_by,
            unit=units[p.unit_code],
            section=sections[(p.unit_code, p.section_name)] if p.section_name else None,
        )
        for p in county.people
        if p.id_number not in existing_people
    ]
    Person.objects.bulk_create(new_people, batch_size=500)
    created["people"] = len(new_people)
    people = dict(Person.objects.filter(unit__region=region).values_list("id_number", "pk"))

    existing_placements = set(
        Placement.objects.filter(person__unit__region=region).values_list("person__id_number", "kind", "start_date")
    )
    new_placements = [
        Placement(
            person_id=people[p.id_number],
            kind=p.kind,
            unit=units[p.unit_code],
            section=sections[(p.unit_code, p.section_name)] if p.section_name else None,
            start_date=p.start_date,
            end_date=p.end_date,
            note=p.note,
        )
        for p in county.placements
        if (p.id_number, p.kind, p.start_date) not in existing_placements
    ]
    Placement.objects.bulk_create(new_placements, batch_size=500)
    created["placements"] = len(new_placements)

    owners = account_people(county)
    password = make_password(DEMO_PASSWORD)  # hashed once, shared by the demo accounts
    created["accounts"] = 0
    created["roles"] = 0
    for username, (role, on, _who) in DEMO_ACCOUNTS.items():
        owner = owners[username]
        user, made = User.objects.get_or_create(
            username=username, defaults={"password": password, "full_name": owner.name}
        )
        created["accounts"] += int(made)
        if not Person.objects.filter(user=user).exists():
            Person.objects.filter(id_number=owner.id_number, user__isnull=True).update(user=user)
        if role is None:
            continue
        target: dict = {}
        if on == "region":
            target["region"] = region
        elif on == "cadres":
            target["unit"] = units[CADRE_GROUP_CODE]
        elif isinstance(on, tuple):
            target["section"] = sections[(unit_code(on[0]), on[1])]
        else:
            target["unit"] = units[unit_code(on)]
        _assignment, made = RoleAssignment.objects.get_or_create(user=user, role=role, **target)
        created["roles"] += int(made)
    return created
