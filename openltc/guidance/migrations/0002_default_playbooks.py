"""Default stage playbooks from the method (ltc-domain §3.2, §6, §7.3, §8, §9, §10.1): guidance,
key tasks and text templates for each open stage, in English and Chinese. The content is copied
here so later code changes do not alter what this migration wrote; admins edit it afterwards.
Where the course gives only a heading (the key-person six steps, the ten trust moves), the text
says what to record rather than inventing the list."""

from django.db import migrations

PLAYBOOKS = [
    {
        "stage": "validating",
        "title": "Validate the opportunity",
        "title_zh": "机会点验证",
        "guidance": (
            "Check that the opportunity is real and worth pursuing before asking for the ATI "
            "decision (立项决策).\n\n"
            "- Confirm the customer's own project (客户立项), its budget and its timetable.\n"
            "- Map who decides: the decision, management and operation levels "
            "(决策层 / 管理层 / 操作层) and the economic, technical and user decision makers.\n"
            "- Score the opportunity against the evaluation criteria and estimate the chance of success.\n"
            "- Form the iron triangle (铁三角: AR, SR, FR) and prepare the initiation material."
        ),
        "guidance_zh": (
            "在申请 ATI 立项决策之前，确认机会点真实且值得投入。\n\n"
            "- 确认客户自身的项目（客户立项）、预算和时间表。\n"
            "- 理清决策链：决策层、管理层、操作层，以及经济决策者、技术决策者、应用决策者。\n"
            "- 按机会点评估标准打分，估算成功概率。\n"
            "- 组建铁三角（AR 客户责任人、SR 解决方案责任人、FR 履行责任人），准备立项材料。"
        ),
        "tasks": [
            ("customer-project", "Confirm the customer's project and budget", "确认客户项目和预算",
             "Who owns the project at the customer, is it approved (立项), how much budget, when.",
             "客户内部谁负责该项目，是否已立项，预算多少，何时采购。"),
            ("decision-chain", "Identify the decision chain and key persons", "识别决策链和关键人",
             "Levels, roles (E/T/U, coach) and each person's stance towards us (−3 … +3).",
             "层级、角色（经济/技术/应用决策者、教练）以及每个人对我方的立场（−3 … +3）。"),
            ("evaluate", "Evaluate the opportunity", "机会点评估",
             "Score the evaluation criteria; note competitors and our position.",
             "按评估标准打分；记录竞争对手和我方位置。"),
            ("iron-triangle", "Form the iron triangle (AR, SR, FR)", "组建铁三角（AR、SR、FR）", "", ""),
            ("ati-material", "Prepare the initiation application for ATI", "准备 ATI 立项申请材料", "", ""),
        ],
        "templates": [
            ("Project initiation application outline", "立项申请提纲",
             "1. Customer and project background / 客户与项目背景\n"
             "2. Customer project, budget and timetable / 客户立项、预算与时间表\n"
             "3. Decision chain and key persons / 决策链与关键人\n"
             "4. Competition / 竞争态势\n"
             "5. Our solution and value / 我方方案与价值\n"
             "6. Grade, team and resources requested / 项目分级、团队与资源申请\n"
             "7. Risks / 风险\n"),
        ],
    },
    {
        "stage": "initiated",
        "title": "Start the sales project",
        "title_zh": "启动销售项目",
        "guidance": (
            "ATI is approved: the opportunity is a sales project with a grade and an appointed team "
            "(项目组任命).\n\n"
            "- Hold the kick-off meeting (项目启动会): goals, roles, plan and the rules of the team.\n"
            "- Agree the relationship plan for every key person and the first technical exchanges.\n"
            "- Plan the project meetings (项目会议) and record their minutes and actions here."
        ),
        "guidance_zh": (
            "ATI 已批准：机会点成为有分级、有任命团队的销售项目（项目组任命）。\n\n"
            "- 召开项目启动会：目标、角色、计划和团队规则。\n"
            "- 为每个关键人制定关系计划，安排首轮技术交流。\n"
            "- 规划项目会议，并在此记录纪要和行动项。"
        ),
        "tasks": [
            ("kick-off", "Hold the project kick-off meeting", "召开项目启动会", "", ""),
            ("project-plan", "Agree the project plan and meeting rhythm", "确定项目计划和例会节奏", "", ""),
            ("relationship-plan", "Draw up a relationship plan per key person", "为每个关键人制定关系计划",
             "Relationship is interest plus trust (关系两大要素：利益 + 信任).",
             "关系两大要素：利益 + 信任。"),
        ],
        "templates": [
            ("Kick-off meeting agenda", "项目启动会议程",
             "1. Opportunity and goals / 机会点与目标\n"
             "2. Team and roles (AR, SR, FR, extended roles) / 团队与角色\n"
             "3. Customer decision chain / 客户决策链\n"
             "4. Plan to ATB / 到 ATB 的计划\n"
             "5. Risks and help needed / 风险与所需支持\n"
             "6. Actions: who, what, by when / 行动项：谁、做什么、何时完成\n"),
        ],
    },
    {
        "stage": "guiding",
        "title": "Guide the customer (before the tender)",
        "title_zh": "标前引导",
        "guidance": (
            "Before the tender is published, help the customer define the need so that our solution "
            "becomes the reference.\n\n"
            "Key-person strategy (关键人策略): find the persons who really decide and influence, know "
            "their organisational and personal needs, and have a plan for each.\n\n"
            "Trust building (建立信任): a relationship is interest plus trust (利益 + 信任); trust is "
            "organisational trust and personal trust. Balance the person's and the organisation's "
            "interests.\n\n"
            "The coach (教练 / 线人) plays three roles: passes information (通风报信), supports us "
            "inside the customer (暗中支持) and advises on strategy (出谋划策). Do not let the customer "
            "mislead you (防止被“忽悠”): check what you hear with more than one person.\n\n"
            "Find the key need among the needs: rate the customer's $APPEALS (price, availability, "
            "packaging, performance, ease of use, assurances, life-cycle cost, social acceptance) "
            "and answer every key need with a FABE message (feature, advantage, benefit, evidence)."
        ),
        "guidance_zh": (
            "在招标发布之前，帮助客户明确需求，使我方方案成为参考方案。\n\n"
            "关键人策略：找到真正决策和施加影响的人，了解其组织需求和个人需求，并为每个人制定计划。\n\n"
            "建立信任：关系两大要素是利益和信任；信任包括组织信任和个人信任。平衡个人利益与组织利益。\n\n"
            "教练（线人）的三个作用：通风报信、暗中支持、出谋划策。防止被客户“忽悠”：所听到的信息要向不止一人核实。\n\n"
            "从众多需求中找到关键需求：用 $APPEALS（价格、可获得性、包装、性能、易用性、保证、生命周期成本、社会接受程度）"
            "评估客户需求，并用 FABE（特征、优势、利益、证据）回应每个关键需求。"
        ),
        "tasks": [
            ("buying-org", "Map the buying organisation", "分析客户采购组织",
             "Levels, roles, stance and personality of each member (组织分析的三个层次—由表及里).",
             "每位成员的层级、角色、立场和性格（组织分析的三个层次——由表及里）。"),
            ("key-persons", "Key-person strategy: a plan for each key person", "关键人策略：为每个关键人制定计划",
             "Record the steps of your key-person method for each person and who owns them.",
             "为每个关键人记录关键人策略的步骤和责任人。"),
            ("coach", "Develop a coach inside the customer", "发展客户内部的教练",
             "Tip-off, quiet support, strategy advice (通风报信、暗中支持、出谋划策).",
             "通风报信、暗中支持、出谋划策。"),
            ("trust", "Build organisational and personal trust", "建立组织信任和个人信任", "", ""),
            ("appeals", "Find the key needs with $APPEALS", "用 $APPEALS 找到关键需求", "", ""),
            ("fabe", "Answer each key need with a FABE message", "用 FABE 回应每个关键需求", "", ""),
            ("technical-exchange", "Technical exchange or reference visit", "技术交流或样板点参观", "", ""),
            ("reference-solution", "Get our solution accepted as the reference", "使我方方案成为客户参考方案",
             "Aim: the tender's technical requirements follow our solution.",
             "目标：招标技术要求以我方方案为蓝本。"),
        ],
        "templates": [
            ("Project role analysis sheet", "项目角色分析表",
             "Name / 姓名 | Title / 职务 | Level (decision, management, operation) / 层级 | "
             "Role (E, T, U, coach) / 角色 | Influence H/M/L / 影响力 | Support for us −3…+3 / 支持度 | "
             "Work requirements / 工作需求 | Personal needs / 个人需求 | Relationship strategy / 关系策略\n"),
            ("Technical exchange agenda", "技术交流议程",
             "1. The customer's goals and challenges / 客户目标与挑战\n"
             "2. Our understanding of the key needs ($APPEALS) / 对关键需求的理解\n"
             "3. Solution and references / 方案与样板案例\n"
             "4. Questions and next steps / 问题与下一步\n"),
        ],
    },
    {
        "stage": "bidding",
        "title": "Solution and bid",
        "title_zh": "制定并提交解决方案",
        "guidance": (
            "Prepare and submit a bid that can win and cannot be disqualified.\n\n"
            "- Pre-bid preparation (标前准备): know the tender, the evaluation method, the "
            "qualification requirements and the deadlines.\n"
            "- Build barriers (构建壁垒): technical barriers in the requirements and commercial "
            "barriers in the terms.\n"
            "- Check the bid documents for completeness to prevent disqualification (废标): "
            "signatures, seals, bid bond, qualification documents, format, deadline.\n"
            "- Bid review (投标评审) and the ATB decision before submission; afterwards the Q&A, "
            "the opening, lost-bid recovery (失标挽回) and the post-bid review (标后总结)."
        ),
        "guidance_zh": (
            "准备并提交能赢、且不会废标的投标。\n\n"
            "- 标前准备：了解招标文件、评标办法、资格要求和时间节点。\n"
            "- 构建壁垒：在技术要求中构建技术壁垒，在商务条款中构建商务壁垒。\n"
            "- 检查标书完整性以防废标：签字、盖章、投标保证金、资质文件、格式、截止时间。\n"
            "- 提交前进行投标评审和 ATB 投标决策；之后是答疑、开标、失标挽回和标后总结。"
        ),
        "tasks": [
            ("tender-info", "Collect the tender information", "收集招标信息", "", ""),
            ("barriers", "Build technical and commercial barriers", "构建技术壁垒和商务壁垒", "", ""),
            ("completeness", "Check the bid documents for completeness (no 废标)", "检查标书完整性（防止废标）", "", ""),
            ("bid-review", "Hold the bid review and obtain ATB", "完成投标评审并取得 ATB 决策", "", ""),
        ],
        "templates": [
            ("Bid completeness checklist", "标书完整性检查表",
             "[ ] Authorised signatures / 授权签字\n"
             "[ ] Company seals on every required page / 各页公章\n"
             "[ ] Bid bond / 投标保证金\n"
             "[ ] Qualification documents / 资质文件\n"
             "[ ] Format as the tender requires / 格式符合招标要求\n"
             "[ ] Price sheet consistent with the commercial part / 报价表与商务部分一致\n"
             "[ ] Submitted before the deadline / 截止时间前递交\n"),
        ],
    },
    {
        "stage": "negotiating",
        "title": "Negotiation",
        "title_zh": "谈判",
        "guidance": (
            "Negotiate from the cost estimate (合同谈判是基于概算的) and trade, never give.\n\n"
            "The team: lead (谈判领导人员), technical (技术人员), commercial (商务人员), legal "
            "(法律人员) and finance (财务人员).\n\n"
            "Three kinds of leverage (筹码): information (信息), time (时间) and power (力量).\n\n"
            "The ten tactics (a checklist, not a script):\n"
            "1. Let the other side state its terms first (让对方先开价).\n"
            "2. Never accept the first offer (绝不接受第一次报价).\n"
            "3. Show surprise at counter-offers (对报价表示惊讶).\n"
            "4. Refer to a higher authority (请示更高权威).\n"
            "5. Never concede without getting something back (不做没有交换的让步).\n"
            "6. Put “if …” in front of every concession (让步前先说“如果……”).\n"
            "7. Feint: draw attention elsewhere (声东击西).\n"
            "8. Good cop, bad cop (红白脸).\n"
            "9. Plan the concessions: ever smaller steps (有计划的让步策略).\n"
            "10. Small favours at the end (最后的小恩小惠).\n\n"
            "Price or payment-term changes that move the deal to another decision level go back "
            "through the delegation matrix; the ATC decision comes before signature."
        ),
        "guidance_zh": (
            "合同谈判是基于概算的；只做交换，不做白送。\n\n"
            "谈判团队：谈判领导人员、技术人员、商务人员、法律人员、财务人员。\n\n"
            "三种筹码：信息、时间、力量。\n\n"
            "十大谈判策略（检查清单，而非剧本）：\n"
            "1. 让对方先开价。\n"
            "2. 绝不接受第一次报价。\n"
            "3. 对报价表示惊讶。\n"
            "4. 请示更高权威。\n"
            "5. 不做没有交换的让步。\n"
            "6. 让步前先说“如果……”。\n"
            "7. 声东击西。\n"
            "8. 红白脸。\n"
            "9. 有计划的让步策略（让步幅度逐步减小）。\n"
            "10. 最后的小恩小惠。\n\n"
            "使交易跨越决策层级的价格或付款条件变更须按授权矩阵重新决策；签约前须取得 ATC 签约决策。"
        ),
        "tasks": [
            ("team", "Form the negotiation team", "组建谈判团队",
             "Lead, technical, commercial, legal, finance.", "谈判领导人员、技术人员、商务人员、法律人员、财务人员。"),
            ("leverage", "Prepare the leverage: information, time, power", "准备筹码：信息、时间、力量", "", ""),
            ("estimate", "Set the walk-away point from the cost estimate", "基于概算确定底线", "", ""),
            ("concessions", "Plan the concessions and what we ask in return", "规划让步及交换条件", "", ""),
            ("tactics", "Review the ten negotiation tactics with the team", "与团队复盘十大谈判策略", "", ""),
            ("atc", "Contract review and ATC decision", "合同评审和 ATC 签约决策", "", ""),
        ],
        "templates": [
            ("Negotiation plan", "谈判计划",
             "Our goals and walk-away point (from the cost estimate) / 我方目标与底线（基于概算）\n"
             "Their likely goals / 对方可能的目标\n"
             "Leverage: information, time, power / 筹码：信息、时间、力量\n"
             "Planned concessions and what we ask in return / 计划的让步与交换条件\n"
             "Tactics we expect and our answers / 预计对方策略及应对\n"
             "Team roles / 团队分工\n"),
        ],
    },
]


def create_playbooks(apps, schema_editor):
    Playbook = apps.get_model("guidance", "Playbook")
    PlaybookTask = apps.get_model("guidance", "PlaybookTask")
    DocumentTemplate = apps.get_model("guidance", "DocumentTemplate")
    for data in PLAYBOOKS:
        playbook, created = Playbook.objects.get_or_create(
            stage=data["stage"],
            defaults={
                "title": data["title"],
                "title_zh": data["title_zh"],
                "guidance": data["guidance"],
                "guidance_zh": data["guidance_zh"],
            },
        )
        if not created:
            continue
        for position, (code, title, title_zh, description, description_zh) in enumerate(data["tasks"], 1):
            PlaybookTask.objects.create(
                playbook=playbook,
                position=position * 10,
                code=code,
                title=title,
                title_zh=title_zh,
                description=description,
                description_zh=description_zh,
            )
        for position, (name, name_zh, text) in enumerate(data["templates"], 1):
            DocumentTemplate.objects.create(
                playbook=playbook, position=position * 10, name=name, name_zh=name_zh, text=text
            )


def keep(apps, schema_editor):
    # Admins may have edited the playbooks; reversing leaves them in place.
    pass


class Migration(migrations.Migration):
    dependencies = [("guidance", "0001_initial")]

    operations = [migrations.RunPython(create_playbooks, keep)]
