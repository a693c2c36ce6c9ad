"""Every user-facing string, per language. Messages are HTML (parse mode set once in Defaults):
values interpolated from users or the database must be escaped by the caller (`esc`)."""

from __future__ import annotations

import calendar
import html
import re
from functools import cache
from string import Formatter
from typing import Any

from db.facts import shown

LANGUAGES = ("zh", "en")

ZH: dict[str, str] = {
    # statuses and marks
    "status.ahead": "已完成",
    "status.good": "推进良好",
    "status.average": "一般",
    "status.slow": "较为缓慢",
    "status_long.ahead": "已完成",
    "status_long.good": "推进良好",
    "status_long.average": "一般或难以评价",
    "status_long.slow": "较为缓慢",
    "domain_status.ahead": "提前完成",
    "domain_status.good": "推进良好",
    "domain_status.average": "一般",
    "domain_status.slow": "较为缓慢",
    "cycle.monthly": "每月",
    "cycle.quarterly": "每季度",
    "cycle.weekly": "每周",
    "cycle.none": "不定期",
    "role.lead": "牵头单位",
    "role.responsible": "责任单位",
    "none": "无",
    "list_sep": "、",
    # general
    "start.hello": "您好，{name}！我是督查督办助手，负责提醒各单位报送重点工作进展，并每周汇总通报。",
    "start.unbound": "您还没有绑定单位。请向管理员索取邀请链接，点开即可绑定。",
    "start.contact": "您是 <b>{units}</b> 的联络员。发送 /mine 查看本单位事项，/report 上报进展。",
    "start.admin": "您是管理员。发送 /help 查看全部命令。",
    "start.supervisor": "您是督查人员。发送 /status 查看总体进展。",
    "help.title": "<b>可用命令</b>",
    "help.contact": (
        "/mine — 本单位事项及最新状态\n"
        "/report [序号] — 上报进展（也可点提醒消息下的按钮，或直接回复提醒）；事项有未完成的节点时，可勾选本次完成的节点\n"
        "/item 序号 — 事项详情及报送记录\n"
        "/revise 序号 — 在限定时间内（默认报送后 24 小时）更正本单位最新报送\n"
        "/extend 序号 — 申请延期（新时限和理由，管理员审批）\n"
        "/adjust 序号 — 申请调整标题、目标值、责任单位或取消事项（管理员审批）\n"
        "/away 开始 结束 — 请假，指定同事代收提醒（如 /away 下周）\n"
        "/history 单位或序号 [开始 结束] — 本单位报送记录\n"
        "/snooze 序号 时间 — 暂缓某项提醒（如 下周一）\n"
        "在提醒消息下点「收到」或上报按钮，或直接回复提醒，均视为签收。\n"
        "收到领导批示时请点「收到」确认；下次上报该事项时会提示答复，报送即为答复。"
    ),
    "help.supervisor": (
        "/status — 总体进展\n/slow — 较为缓慢事项\n/overdue — 逾期未完成事项\n"
        "/missing — 本期未报送单位\n/item 序号 — 事项详情\n"
        "/chart — 分领域进展图\n/export [清单代号] [月份] — 导出一个清单的进展情况表（.xlsx，完成情况后列出节点）\n"
        "/items 红色|黄色 — 按三色预警筛选\n"
        "/sendback 序号 [理由] — 退回最新一次报送，要求重报（仅限管理员和督查人员；也可在事项详情点按钮）\n"
        "报送「已完成」即申请办结：管理员和督查人员点「确认办结」或「退回」（须说明理由），确认后才计为已完成\n"
        "/ranking [清单代号] [月份|本月|全年] — 各单位月度（或全年累计）排名，按考核台账计分，按清单的考核年度；/ranking 单位 — 该单位该年度考核台账\n"
        "/status 环比 — 本月与上月相比的变化（转红、转黄、转绿、新增逾期、新办结、新报送）\n"
        "/history [清单代号] 单位或序号 [开始 结束] — 某期间的全部报送（较长时附 .xlsx；月份日期按清单的考核年度）"
    ),
    "help.admin": (
        "/unit_add 名称 [别名…] — 新增单位（可多行，一行一个）\n"
        "/units — 单位列表\n"
        "/invite 单位 — 生成联络员邀请链接\n"
        "/contacts 单位 — 单位的联络员及其状态、未使用的邀请；可移除联络员、撤销邀请\n"
        "/add 标题 | 完成时限 | 牵头单位 | 责任单位 [| 领域] — 新增事项（只发 /add 则逐步引导）\n"
        "/items [单位|状态|领域] — 事项列表\n"
        "/item 序号 — 事项详情及报送记录\n"
        "/edit 序号 字段 新值 — 修改事项（字段：标题、时限、牵头、责任、领域、周期）\n"
        "/archive 序号 — 归档事项；/unarchive 序号 — 恢复\n"
        "/node 序号 [单位：]时间 内容 — 新增节点（如 /node 3 6月底前完成设计）；/node 序号 查看、完成、删除\n"
        "/import — 导入任务表（.xlsx/.xls/.ods/.docx/.csv，作为文件发送，说明写 /import）；预览写明导入哪个清单（按表题的年度和类别，可改名、改年度或选现有清单；也可写 /import 民生 或 /import 2022年重点工作 2022）、逐项修改和与同号事项不同的任务\n"
        "/remind [单位] — 立即发送待办提醒\n"
        "/digest — 立即发布通报\n"
        "/setgroup — 在督查组群内发送，设为通报群\n"
        "/schedule — 未来 7 天的发送计划\n"
        "/outbox — 发送队列（待发送、失败）\n"
        "/holiday [日期 休|班] — 节假日与调休调整\n"
        "/invite 单位 备用 — 邀请备用联络员（提醒无人签收时转给他）\n"
        "/unread — 未签收最近一次提醒的单位\n"
        "/away 单位 时间 — 为联络员登记请假和代班人\n"
        "/instruct 序号 — 登记领导批示（批示领导、日期、内容、承办期限），即时通知牵头和责任单位签收，下次报送须答复\n"
        "/instructions — 待答复的领导批示及各单位签收、答复情况\n"
        "/close 序号 备注 — 直接办结事项（确认后生效）\n"
        "延期申请会发给您审批：点「同意延期」或「不同意」，可附意见；调整和取消申请同样由您批准或不批准。"
    ),
    "help.common": "/lang zh|en — 切换语言\n/cancel — 取消当前操作\n/help — 本帮助",
    "lang.set": "已切换为中文。",
    "lang.usage": "用法：/lang zh 或 /lang en",
    "cancelled": "已取消，未保存任何内容。",
    "nothing_to_cancel": "当前没有进行中的操作。",
    "timeout": "操作超时，已自动取消，未保存任何内容。需要时请重新开始。",
    "error.generic": "抱歉，处理时出错了，已通知管理员。您的内容未保存，请稍后重试。",
    "error.admin_alert": "⚠️ 处理更新时出错：<code>{error}</code>",
    "refuse.admin": "该命令仅限管理员使用。",
    "refuse.supervisor": "该命令仅限督查人员、管理员或通报群使用。",
    "refuse.contact": "您还没有绑定单位，无法上报。请向管理员索取邀请链接。",
    "refuse.private": "请在与我的私聊中使用此命令。",
    "refuse.not_your_item": "事项 #{number} 不属于您所在的单位，不能为其上报。",
    "usage": "用法：{usage}",
    "unknown.command": "不认识这个命令。发送 /help 查看可用命令。",
    "unknown.text": "如需上报进展，请发送 /report，或点提醒消息下的按钮。发送 /help 查看全部命令。",
    "confirm.yes": "✅ 确认",
    "confirm.no": "✖ 取消",
    "confirm.expired": "该确认已失效，请重新操作。",
    "btn.cancel": "✖ 取消",
    # units and invites
    "unit.added": "已新增单位：{names}",
    "unit.exists": "单位已存在：{names}",
    "unit.usage": "/unit_add 单位名称 [别名 …]（可多行，一行一个单位）",
    "unit.list_title": "<b>单位列表</b>（共 {count} 个）",
    "unit.line": "{name}{aliases} — {contacts:未绑定联络员|联络员 # 人|联络员 # 人}，事项 {items} 项",
    "unit.aliases": "（别名：{aliases}）",
    "unit.none": "还没有单位。用 /unit_add 新增。",
    "unit.unknown": "未找到单位「{name}」。",
    "unit.suggest": "您是不是指：{names}？",
    "unit.create_hint": "如需新增，请先发送 /unit_add {name}",
    "invite.usage": "/invite 单位名称",
    "invite.created": (
        "已为 <b>{unit}</b> 生成邀请链接（一次有效，{until} 前有效）：\n{link}\n\n请将链接转发给该单位联络员，点开即可绑定。"
    ),
    "invite.bound": "绑定成功！您现在是 <b>{unit}</b> 的联络员。",
    "invite.already": "您已是 <b>{unit}</b> 的联络员。",
    "invite.unknown": "邀请码无效。请向管理员索取新的邀请链接。",
    "invite.used": "该邀请链接已被使用。请向管理员索取新的邀请链接。",
    "invite.expired": "该邀请链接已过期。请向管理员索取新的邀请链接。",
    "unit.items_title": "本单位共有 {count} 项事项：",
    "unit.no_items": "本单位暂无事项。",
    # items
    "item.line": "#{number} {mark} {title}",
    "item.line_deadline": "（截止 {deadline}）",
    "item.unknown": "未找到事项 #{number}。",
    "item.number_usage": "请提供事项序号，例如 {example}",
    "item.card": (
        "<b>#{number} {title}</b>\n"
        "领域：{domain}\n完成时限：{deadline}\n牵头单位：{lead}\n责任单位：{responsible}\n"
        "{investment}报送周期：{cycle}\n时序进度：{time_progress}\n当前状态：{mark} {status}{percent}{archived}"
    ),
    "item.investment": "年度投资：{investment} 万元\n",
    "item.archived_mark": "（已归档）",
    "item.history_title": "<b>报送记录</b>（{count} 条）",
    "item.history_none": "暂无报送记录。",
    "item.history_entry": (
        "{index}. {when} {unit} {reporter}\n   状态：{status}{percent}\n   完成情况：{text}\n   存在问题：{problems}{evidence}"
    ),
    "item.evidence": "\n   佐证材料：{count:无|# 个|# 个}",
    "items.title": "<b>事项列表</b>{filter}（共 {count} 项）",
    "items.filter": "（{label}）",
    "items.none": "没有符合条件的事项。",
    "items.bad_filter": "无法识别筛选条件「{text}」。可按单位、状态（已完成/推进良好/一般/较为缓慢/未报送）或领域筛选。",
    "item.deadline_open": "未设定",
    "item.days_left": "，还剩 {days} 天",
    "item.days_over": "，已逾期 {days} 天",
    "item.today": "，今天截止",
    # add / edit / archive
    "add.usage": "/add 标题 | 完成时限 | 牵头单位 | 责任单位 [| 领域]",
    "add.ask_title": "新增事项（共 5 步，随时 /cancel 取消）。\n第 1 步：请输入事项标题。",
    "add.ask_deadline": "第 2 步：完成时限？例如 2021.12、11月底、第四季度、10月15日前。",
    "add.ask_lead": "第 3 步：牵头单位？多个用顿号分隔。",
    "add.ask_responsible": "第 4 步：责任单位？多个用顿号分隔；与牵头单位相同请点按钮。",
    "add.same_as_lead": "同牵头单位",
    "add.ask_domain": "第 5 步：所属领域？可点选已有领域，或输入新领域，或跳过。",
    "add.skip": "跳过",
    "add.empty_title": "标题不能为空，请重新输入。",
    "add.too_long": "内容过长（最多 {max} 字），请精简后重新输入。",
    "add.bad_deadline": "无法识别完成时限「{text}」。请写成 2021.12、2021年11月底、第四季度、10月15日前 等形式。",
    "add.no_units": "请至少填写一个单位。",
    "add.preview": (
        "请确认新增事项：\n<b>#{number} {title}</b>\n截止 {deadline}\n牵头单位：{lead}\n责任单位：{responsible}\n领域：{domain}"
    ),
    "add.saved": "已保存事项 #{number}：{title}（截止 {deadline}）",
    "add.duplicate": "已存在同名事项 #{number}，未重复新增。",
    "edit.usage": "/edit 序号 字段 新值（字段：标题、时限、牵头、责任、领域、周期）",
    "edit.bad_field": "无法识别字段「{field}」。可用：标题、时限、牵头、责任、领域、周期。",
    "edit.bad_cycle": "无法识别周期「{text}」。可用：每月、每季度、每周、不定期。",
    "edit.preview": "请确认修改 #{number} 的{field}：\n原：{old}\n新：{new}",
    "edit.saved": "已修改 #{number} 的{field}：{new}",
    "field.title": "标题",
    "field.deadline": "完成时限",
    "field.lead": "牵头单位",
    "field.responsible": "责任单位",
    "field.domain": "领域",
    "field.cycle": "报送周期",
    "archive.usage": "/archive 序号",
    "archive.preview": "确认归档事项 #{number} {title}？归档后不再提醒、不计入通报。",
    "archive.done": "已归档事项 #{number}。",
    "archive.already": "事项 #{number} 已是归档状态。",
    "unarchive.done": "已恢复事项 #{number}。",
    "unarchive.not_archived": "事项 #{number} 未归档。",
    # reliable reminders (issue 4)
    "snooze.button": "⏰ 暂缓提醒",
    "snooze.choose_item": "暂缓哪一项的提醒？",
    "snooze.choose_when": "#{number} 的提醒暂缓到什么时候？点选，或发送 /snooze {number} 下周一",
    "snooze.opt.1": "明天",
    "snooze.opt.3": "3天后",
    "snooze.opt.7": "一周后",
    "snooze.opt.14": "两周后",
    "snooze.done": "好的：#{number} 在 {until} 前不再提醒本单位。",
    "snooze.usage": "/snooze 序号 时间（例如：/snooze 12 下周一、/snooze 12 3天后）",
    "snooze.bad_when": "无法识别时间「{text}」。例如：明天、下周一、3天后。",
    "snooze.past": "暂缓时间需要晚于今天。",
    "item.snoozed": "\n暂缓提醒：{units}（至 {until}）",
    "remind.missed": "{period}进展已过报送日仍未报送，请尽快报送",
    "remind.queued": "现在是免打扰时段，{count} 条提醒将于 {time} 发出。",
    "escalate.text": (
        "<b>【督办】</b>{unit} 已连续 {streak} 次未报送事项 #{number} {title} 的进展。"
        "请牵头单位（{lead}）督促落实。"
    ),
    "outbox.expired": "有 {count} 条提醒或通报超过 {hours} 小时未能发出，不再补发。发送 /outbox 查看。",
    "calendar.uncovered": (
        "节假日日历尚未包含 {year} 年，暂按周一至周五计算工作日。"
        "请升级 chinese-calendar，或用 /holiday 添加放假和调休安排。"
    ),
    "holiday.usage": "/holiday 日期 休|班 [说明]；/holiday 日期 删除；只发 /holiday 查看已有调整",
    "holiday.set_off": "已将 {day} 设为休息日，当天不发提醒和通报。",
    "holiday.set_work": "已将 {day} 设为工作日（调休上班）。",
    "holiday.removed": "已删除 {day} 的调整，恢复官方日历。",
    "holiday.list_title": "<b>节假日调整</b>（{count} 条）",
    "holiday.line": "{day}：{kind}{note}",
    "holiday.kind.off": "休",
    "holiday.kind.work": "班",
    "holiday.none": "尚无调整。官方日历{coverage}。",
    "holiday.covered": "已包含今年",
    "holiday.uncovered": "尚未包含今年（按周一至周五计算）",
    "holiday.bad_date": "无法识别日期「{text}」。请写成 2027-02-10 或 2月10日。",
    "holiday.bad_kind": "请写明「休」或「班」（或 off / work）。",
    "schedule.title": "<b>未来 7 天发送计划</b>（假设期间没有新的报送）",
    "schedule.day": "<b>{day}</b>",
    "schedule.day_off": "<b>{day}</b>：休息日，不发送",
    "schedule.unit_line": "  {unit}：{items}",
    "schedule.digest": "  每周通报 → 通报群",
    "schedule.escalation": "  督办：{unit} 未报 #{number}",
    "schedule.nothing": "  无",
    "reason.deadline": "#{number} 截止前{days}天",
    "reason.report-due": "#{number} 报送日",
    "reason.report-before": "#{number} 报送日前{days}天",
    "reason.report-missed": "#{number} 逾期未报（第{days}个工作日）",
    "reason.manual": "#{number} 催报",
    "outbox.blocked": "⚠️ {unit} 的联络员 {person} 已屏蔽机器人或已退出，提醒无法送达。请为该单位重新 /invite 联络员。",
    "outbox.title": "<b>发送队列</b>",
    "outbox.counts": "待发送 {pending}，发送中 {claimed}，已发送 {sent}，失败 {failed}，过期 {expired}",
    "outbox.pending_title": "<b>待发送</b>",
    "outbox.failed_title": "<b>失败或过期</b>",
    "outbox.line": "#{id} {kind} → {chat}，{when}{error}",
    "outbox.kind.reminder": "提醒",
    "outbox.kind.digest": "通报",
    "outbox.kind.escalation": "督办",
    "outbox.kind.notice": "通知",
    # import
    "import.ask_file": "请发送任务表文件（Excel .xlsx/.xls、WPS、.ods、Word .docx 或 .csv，作为文件发送）。随时 /cancel 取消。",
    "import.need_document": "请以文件形式发送表格（.xlsx、.xls、.ods、.docx 或 .csv）。",
    "import.reading": "正在读取 {file} …",
    "import.preview_title": "<b>导入预览</b>：{file}（工作表 {sheet}，表头在第 {row} 行）",
    "import.counts": "共识别 {total} 项：新增 {new} 项，更新 {updated} 项，无变化 {unchanged} 项。",
    "import.new_units": "将新建单位 {count} 个：{names}",
    "import.skipped": "跳过 {count} 行：{rows}",
    "import.skipped_row": "第{row}行（{reason}）",
    "import.reason.total": "合计行",
    "import.reason.legend": "图例/备注",
    "import.reason.empty": "空行",
    "import.reason.section": "分类标题",
    "import.reason.no_title": "无任务内容",
    "import.bad_deadlines": "无法识别完成时限 {count} 处（事项仍导入，时限留空）：{rows}",
    "import.bad_deadline_row": "第{row}行「{text}」",
    "import.without_units": "没有任何单位的事项 {count} 项：{items}",
    "import.indicators": "数值指标 {count} 项（约束性 {binding} 项，预期性 {expected} 项），如：{examples}",
    "import.indicator": "{title}：{baseline} → {target}{unit}",
    "import.and_more": " 等 {count} 个",
    "import.confirm": "确认导入？",
    "import.nothing": "表中事项与现有数据相同，无需导入。",
    "import.done": "导入完成：新增 {created} 项，更新 {updated} 项，新建单位 {units} 个，导入进展 {reports} 条。",
    "import.error.too_large": "文件太大（上限 10 MB）。请删去无关的工作表或图片后重试。",
    "import.error.not_spreadsheet": "这不是可读取的表格文件。请另存为 .xlsx、.xls、.docx 或 .csv 后发送（旧版 Word .doc 请另存为 .docx）。",
    "import.error.no_header": "没有找到表头。表格需要有“序号/任务/牵头单位/责任单位/完成时限”等列名。",
    "import.error.empty": "表格是空的。",
    # group
    "group.set": "已将本群（{title}）设为督查通报群。每{weekday} {time} 发布通报。",
    "group.need_group": "请在督查组的群聊中发送 /setgroup。",
    "digest.no_group": "尚未设置通报群（在群内发送 /setgroup），通报先发给您：",
    "digest.posted": "通报已发布到通报群（{parts} 条消息）。",
    # reminders
    "remind.title": "<b>【督办提醒】{unit}</b>",
    "remind.intro": "以下 {count} 项事项请关注：",
    "remind.deadline": "截止 {deadline}{left}",
    "remind.report": "请报送{period}进展",
    "remind.footer": "点下方按钮上报进展，或直接回复本消息。",
    "remind.button": "上报 #{number}",
    "remind.result": "提醒已发送：{units} 个单位，{items} 项。",
    "remind.nothing": "当前没有需要提醒的事项（本期已提醒过的不会重复发送）。",
    "remind.no_contact": "以下单位尚未绑定联络员，提醒未能送达：{units}",
    "remind.unit_unknown": "未找到单位「{name}」。",
    "period.month": "{year}年{month}月",
    "period.quarter": "{year}年第{quarter}季度",
    "period.week": "{year}年第{week}周",
    # report dialogue
    "report.choose": "请选择要上报的事项：",
    "report.no_items": "本单位暂无需要上报的事项。",
    "report.ask_text": (
        "上报 <b>#{number} {title}</b>\n请用一条消息写明本期完成情况（可包含“完成80%”）。随时 /cancel 取消。"
    ),
    "report.ask_value": "该事项是指标（目标值 {target}{unit}）。目前数值是多少？请发送一个数字。",
    "report.bad_value": "请发送一个数字，例如 85.5。",
    "report.ask_percent": "完成进度是多少？点选或直接输入数字（0–100）。",
    "report.bad_percent": "请输入 0 到 100 之间的数字，或点选按钮。",
    "report.ask_status": "推进状态？",
    "report.ask_problems": "存在问题及解决建议？没有请点“无”。",
    "report.no_problems": "无",
    "report.ask_evidence": "可发送照片或文件作为佐证材料（可多张）。发送完毕或没有，请点“提交”。",
    "report.evidence_received": "已收到佐证材料 {count} 个。继续发送，或点“提交”。",
    "report.submit": "📤 提交",
    "report.empty_text": "完成情况不能为空，请用一条文字消息说明。",
    "report.text_expected": "请发送文字说明。",
    "report.saved": "✅ 已保存报送记录（编号 {id}）：",
    "report.record": (
        "<b>#{number} {title}</b>\n单位：{unit}\n报送期：{period}\n时间：{when}\n"
        "完成情况：{text}\n完成进度：{percent}\n状态：{status}\n存在问题：{problems}\n佐证材料：{evidence:无|# 个|# 个}"
    ),
    "report.percent_unknown": "未填",
    "report.from_reply_many": "收到。这条进展是关于哪一项？",
    # lists for supervisors
    "mine.title": "<b>{unit}</b> 的事项（{count} 项）：",
    "status.title": "<b>总体进展</b>（截至 {date}）",
    "slow.title": "<b>较为缓慢事项</b>（{count} 项）",
    "slow.none": "目前没有较为缓慢的事项。",
    "overdue.title": "<b>逾期未完成事项</b>（{count} 项）",
    "overdue.none": "目前没有逾期未完成的事项。",
    "missing.title": "<b>本期未报送单位</b>（{count} 个）",
    "missing.none": "本期各单位均已报送。",
    "missing.line": "{unit}：{count} 项（{numbers}）",
    # digest
    "digest.title": "<b>重点工作进展情况通报</b>（截至 {date}）",
    "digest.title_list": "<b>{name}进展情况通报</b>（截至 {date}）",
    "digest.part1": "<b>一、总体进展</b>",
    "digest.total": (
        "共 {total} 项，其中 {ahead} 项提前完成，{good} 项推进良好，{average} 项一般或难以评价，{slow} 项较为缓慢。"
    ),
    "digest.part2": "<b>二、分领域进展</b>",
    "digest.domain": "（{index}）{domain}：{count} 项，其中 {parts}",
    "digest.domain_part": "{count} 项{status}",
    "digest.no_domain": "未分领域",
    "digest.part3": "<b>三、较为缓慢及逾期事项</b>",
    "digest.slow_item": "{index}. #{number} {title}（牵头：{lead}；责任：{responsible}）{detail}",
    "digest.detail_overdue": "，已逾期 {days} 天",
    "digest.detail_progress": "，完成 {percent}%，时序进度 {time_progress}%",
    "digest.detail_declared": "，评价为较为缓慢",
    "digest.part3_none": "无。",
    "digest.part4": "<b>四、本期未报送单位</b>",
    "digest.part4_none": "各单位均已报送。",
    "digest.unreachable": "<b>联络员无法送达</b>（已屏蔽机器人或退出，请管理员重新邀请）：{units}",
    "digest.legend": "□ 提前完成　★ 推进良好　— 一般或难以评价　▲ 较为缓慢",
    # a digest longer than DIGEST_MAX_MESSAGES messages
    "digest.capped": "……通报较长，此处只发前 {messages} 条消息，其余 {lines} 行（涉及 {sections} 个部分）未列出；完整通报见下方文件。",
    "digest.file_name": "督查通报-{date}.txt",
    # progress table export and chart
    "export.months": "1—{month}月份",
    "export.months_first": "1月份",
    "export.title": "{year}年{months}重点工作进展情况表",
    "export.sheet": "进展情况表",
    "export.col.number": "序号",
    "export.col.domain": "主要领域",
    "export.col.title": "年度目标任务",
    "export.col.investment": "年度投资\n(万元)",
    "export.col.deadline": "完成时限",
    "export.col.lead": "牵头单位",
    "export.col.responsible": "责任单位",
    "export.col.progress": "{months}完成情况",
    "export.col.problems": "存在问题",
    "export.col.status": "形象\n进度",
    "export.total": "合计({count}个)",
    "export.legend": "形象进度说明：□为提前完成全年目标，★为推进情况良好，—为推进情况一般或难以评价；▲为推进较为缓慢。",
    "export.indicator": "当前值 {current}{unit}（基期 {baseline}{unit}，目标 {target}{unit}），完成 {percent}%",
    "export.filename": "进展情况表-{period}.xlsx",
    "export.caption": "{title}，共 {count} 项。",
    "export.bad_period": "无法识别期间「{text}」。用法：/export [2021-07 或 7月]，不填为本月。",
    "export.empty": "还没有任何事项，无可导出。",
    "export.saved": "已导出 {count} 项：{path}",
    "chart.title": "分领域进展情况（截至 {year}年{month}月{day}日）",
    "chart.axis": "事项数",
    "chart.empty": "还没有任何事项，无法绘制图表。",
    "cmd.export": "导出进展情况表", "cmd.chart": "分领域进展图",
    "weekday.1": "周一", "weekday.2": "周二", "weekday.3": "周三", "weekday.4": "周四",
    "weekday.5": "周五", "weekday.6": "周六", "weekday.7": "周日",
    "cmd.start": "开始", "cmd.help": "帮助", "cmd.report": "上报进展", "cmd.mine": "本单位事项",
    "cmd.item": "事项详情", "cmd.lang": "切换语言", "cmd.cancel": "取消当前操作",
    "cmd.status": "总体进展", "cmd.slow": "较为缓慢事项", "cmd.overdue": "逾期事项", "cmd.missing": "未报送单位",
    "cmd.unit_add": "新增单位", "cmd.units": "单位列表", "cmd.invite": "邀请联络员", "cmd.add": "新增事项",
    "cmd.items": "事项列表", "cmd.edit": "修改事项", "cmd.archive": "归档事项", "cmd.unarchive": "恢复事项",
    "cmd.remind": "立即提醒", "cmd.import": "导入任务表", "cmd.snooze": "暂缓提醒", "cmd.holiday": "节假日调整",
    "cmd.schedule": "发送计划", "cmd.outbox": "发送队列", "cmd.digest": "立即通报", "cmd.setgroup": "设为通报群",
    # supervision (issue 6): dialogues, receipts, extensions, send-back, corrections, colours, leave, ranking
    "dialogue.busy": "您正在{dialogue}，请先完成，或发送 /cancel 取消后再试。",
    "dialogue.report": "上报进展",
    "dialogue.add": "新增事项",
    "dialogue.extend": "申请延期",
    "dialogue.decide": "审批延期申请",
    "dialogue.send_back": "退回报送",
    "dialogue.revise": "修改报送",
    "date.short": "{month}月{day}日",
    "ack.button": "✅ 收到",
    "ack.recorded": "已签收，谢谢。",
    "ack.already": "您已签收过这条提醒。",
    "ack.not_yours": "这条提醒不是发给您的，不能代为签收。",
    "ack.unknown": "这条提醒已失效。",
    "remind.resend.1": "<b>（再次提醒：上一条提醒尚未签收，请点「收到」）</b>",
    "remind.resend.2": "<b>（本单位联络员尚未签收以下提醒，请您关注并点「收到」）</b>",
    "remind.stand_in": "（{names} 请假，由您代为接收）",
    "unread.title": "<b>未签收最近一次提醒的单位</b>（{count} 个，共提醒 {total} 个）",
    "unread.line": "{unit}：{when} 发出，发给 {people}；{stage}",
    "unread.stage.0": "尚未重发",
    "unread.stage.1": "已再次发送",
    "unread.stage.2": "已转发其他联络员",
    "unread.none": "最近一次提醒（{count} 个单位）均已签收。",
    "unread.no_rounds": "近 {days} 天没有发出提醒。",
    "invite.created_backup": (
        "已为 <b>{unit}</b> 生成<b>备用联络员</b>邀请链接（一次有效，{until} 前有效）：\n{link}\n\n"
        "备用联络员平时不收提醒，只在提醒无人签收时收到转发，也可为请假的同事代班。"
    ),
    "ext.button": "⏳ 申请延期",
    "ext.choose": "申请哪一项延期？",
    "ext.not_your_item": "事项 #{number} 不属于您所在的单位，不能为其申请延期。",
    "ext.pending": "事项 #{number} 已有一份延期申请待审批（{when} 提交，申请延至 {deadline}），审批前不能再次申请。",
    "ext.pending_now": "事项 #{number} 刚刚已有人提交延期申请，正待审批，本次未提交。",
    "ext.ask_deadline": (
        "申请延期 <b>#{number} {title}</b>\n现定完成时限：{current}\n"
        "请输入新的完成时限（如 2021.12、11月底、12月31日）。随时 /cancel 取消。"
    ),
    "ext.bad_deadline": "无法识别完成时限「{text}」。请写成 2021.12、11月底、12月31日 等形式。",
    "ext.not_later": "新的时限 {deadline} 不晚于现定时限 {current}，无需申请延期。请重新输入。",
    "ext.past": "{deadline} 已经过去，请输入今后的日期。",
    "ext.ask_reason": "新的完成时限理解为：<b>{deadline}</b>（不对请发送 /cancel 重来）\n请用一条消息说明延期理由。",
    "ext.preview": "请确认延期申请：\n<b>#{number} {title}</b>\n现定时限：{current}\n申请延至：{deadline}\n理由：{reason}",
    "ext.submitted": "✅ 已提交 #{number} 延期至 {deadline} 的申请，等待管理员审批，结果会通知您。",
    "ext.admin_request": (
        "<b>【延期申请】</b>#{number} {title}\n申请单位：{unit}（{person}）\n原定时限：{original}\n"
        "申请延至：{deadline}（原文“{text}”）\n理由：{reason}"
    ),
    "ext.approve": "✅ 同意延期",
    "ext.refuse": "✖ 不同意",
    "adj.approve": "✅ 批准调整", "adj.refuse": "✖ 不批准",
    "ext.verdict_approve": "同意",
    "ext.verdict_refuse": "不同意",
    "ext.ask_comment": "{verdict} #{number} 延期至 {deadline}。\n可发送一条审批意见（将转告申请人），或点「不附意见」。",
    "ext.no_comment": "不附意见",
    "ext.already": "该申请已{outcome}（{person}）。",
    "ext.status.approved": "批准",
    "ext.status.refused": "不予批准",
    "ext.status.pending": "待审批",
    "ext.an_admin": "管理员",
    "ext.decided_approved": "已同意 #{number} 延期至 {deadline}，已通知申请人。",
    "ext.decided_refused": "已不同意 #{number} 延期至 {deadline}，已通知申请人。",
    "ext.decide_cancelled": "已取消，申请仍待审批。",
    "ext.decide_timeout": "审批操作超时，申请仍待审批。",
    "ext.comment": "\n审批意见：{comment}",
    "ext.approved_notice": "✅ 您申请的 #{number} {title} 延期已批准：完成时限改为 {deadline}，原定 {original}。{comment}",
    "ext.refused_notice": "您申请将 #{number} {title} 延期至 {deadline}，未获批准，完成时限不变。{comment}",
    "extension.note": "延期至 {deadline}，原定 {original}",
    "extension.note_open": "延期至 {deadline}（原未设时限）",
    "item.extended": "延期：{note}",
    "item.extension_pending": "延期申请待审批：申请延至 {deadline}（理由：{reason}）",
    "sb.button": "↩️ 退回最新报送",
    "sb.usage": "/sendback 序号 [理由]（退回该事项最新一次报送）",
    "sb.nothing": "#{number} 还没有单位报送，无可退回。",
    "sb.not_unit_report": "这是督查室导入的评价，不是单位的报送，不能退回。",
    "sb.already": "这份报送已经退回过了。",
    "sb.not_latest": "该单位之后又报送过 #{number}，只能退回最新一次报送。",
    "sb.ask_reason": "退回 #{number} {unit} {when} 的报送。\n请用一条消息说明退回理由（将转告联络员）。随时 /cancel 取消。",
    "sb.ask_reason_group": "退回 #{number} {unit} {when} 的报送。\n请<b>回复本消息</b>说明退回理由（将转告联络员）。发送 /cancel 取消。",
    "sb.empty_reason": "请写明退回理由。",
    "sb.preview": (
        "请确认退回：\n<b>#{number} {title}</b>\n{unit} {when} 的报送\n理由：{reason}\n"
        "退回后该单位本期视为未报送，并通知其重新报送。"
    ),
    "sb.done": "✅ 已退回 #{number} {unit} 的报送，已通知该单位重新报送；本期视为未报送。",
    "sb.notice": (
        "<b>【退回重报】</b>#{number} {title}\n您单位 {when} 报送的进展已被 {person} 退回。\n理由：{reason}\n"
        "请重新报送本期进展（本期视为未报送）。"
    ),
    "item.history_returned": "   ↩️ 已退回（{when}，{person}）：{reason}",
    "item.history_edited": "   （已修改，现为第{version}版，{when}）",
    "item.history_version": "   第{version}版（{when}）：{status}{percent}，{text}；存在问题：{problems}",
    "rv.button": "✏️ 修改报送",
    "rv.hint": "如需更正，{hours} 小时内可点下方按钮，或发送 /revise {number}。",
    "rv.usage": "/revise 序号（更正本单位最新一次报送）",
    "rv.nothing": "本单位还没有报送过 #{number}，请用 /report {number} 上报。",
    "rv.not_yours": "事项 #{number} 的这份报送不属于您所在的单位，不能修改。",
    "rv.returned": "这份报送已被退回，不能修改。请重新上报：/report {number}",
    "rv.not_latest": "本单位之后又报送过 #{number}，只能修改最新一次报送。",
    "rv.window_passed": "这份报送（{when}）已超过 {hours} 小时，不能再修改。如需更正，请重新上报：/report {number}",
    "rv.choose": "修改 <b>#{number} {title}</b> 的报送（{until} 前可修改）：\n{current}\n要修改哪一项？",
    "rv.current": "完成情况：{text}\n完成进度：{percent}\n状态：{status}\n存在问题：{problems}",
    "rv.field.text": "完成情况",
    "rv.field.percent": "完成进度",
    "rv.field.value": "当前数值",
    "rv.field.status": "推进状态",
    "rv.field.problems": "存在问题",
    "rv.ask_text": "请用一条消息发送更正后的完成情况。",
    "rv.ask_problems": "请用一条消息发送更正后的存在问题及建议。",
    "rv.ask_value": "请发送更正后的当前数值（目标值 {target}）。",
    "rv.preview": "请确认修改 #{number} 的{field}：\n原：{old}\n新：{new}",
    "rv.saved": "✅ 已修改 #{number} 的报送（现为第 {version} 版，原版本保留在记录中）：",
    "colour.green": "绿色",
    "colour.yellow": "黄色",
    "colour.red": "红色",
    "colour.month": "{month}月{dot}",
    "item.colour": "三色预警：{dot} {colour}{detail}",
    "item.colour_months": "月度预警：{months}",
    "warning.overdue": "已逾期 {days} 天",
    "warning.progress": "完成 {percent}%，时序进度 {time_progress}%",
    "warning.missed": "{count:# 期未报送|连续 # 期未报送}",
    "warning.sep": "；",
    "digest.colours": "三色预警：🔴 红色 {red} 项，🟡 黄色 {yellow} 项，🟢 绿色 {green} 项。",
    "digest.comma": "，",
    "digest.part5": "<b>五、三色预警事项</b>（红色在前）",
    "digest.part5_none": "无红色、黄色预警事项。",
    "digest.more_warnings": "……另有红色 {red} 项、黄色 {yellow} 项，发送 /items 红色 或 /items 黄色 查看全部。",
    "digest.warning_item": "{index}. {dot} #{number} {title}（牵头：{lead}；责任：{responsible}）{detail}",
    "digest.part6": "<b>六、延期事项</b>",
    "digest.part6_none": "无。",
    "digest.extension_item": "#{number} {title}：{note}",
    "digest.part7": "<b>七、提醒签收情况</b>（近 {days} 天，已签收/提醒轮数）",
    "digest.part7_none": "近期未发出提醒。",
    "digest.ack_total": "共向 {units} 个单位发出提醒 {rounds} 轮，已签收 {acked} 轮：",
    "digest.ack_unit": "{unit} {acked}/{rounds}",
    "digest.part8": "<b>八、上月各单位排名</b>",
    "ranking.title": "<b>{year}年{month}月各单位督办工作排名</b>",
    "ranking.so_far": "（本月截至 {date}，以月末为准）",
    "ranking.empty": "该月没有可排名的单位。",
    "ranking.bad_month": "无法识别月份或单位「{text}」。用法：/ranking [清单代号] [2021-07、7月 或 本月]，不填为上月（按清单的考核年度）；/ranking 单位名称 查看该单位的考核台账。",
    "ranking.not_started": "{name}的考核年度 {year} 年尚未开始，暂无排名。",
    "away.usage": "用法：/away 开始日期 结束日期（如 /away 2021-08-01 2021-08-10、/away 下周）；管理员：/away 单位 时间",
    "away.bad_period": "无法识别请假时间「{text}」。例如：/away 2021-08-01 2021-08-10、/away 下周、/away 8月10日前。",
    "away.span": "{start}至{end}",
    "away.not_your_unit": "{unit} 不属于您所在的单位；为其他单位登记请假仅限管理员。",
    "away.admin_needs_unit": "为联络员登记请假，请写明单位，例如 /away 区住建局 下周",
    "away.choose_unit": "{span} 请假，是哪个单位的联络员？",
    "away.choose_contact": "请选择 {span} 请假的联络员：",
    "away.choose_stand_in": "{person} {span} 请假。请选择代班的同事（期间提醒发给他/她）：",
    "away.no_contacts": "该单位还没有联络员。",
    "away.no_colleague": "本单位没有其他可以代班的联络员。请管理员先用 /invite 单位 备用 邀请一位同事。",
    "away.bad_stand_in": "代班人须是同一单位的另一位联络员，未保存。请重新 /away。",
    "away.saved": "✅ 已登记：{person} {span} 请假，期间 {unit} 的提醒发给 {deputy}，{person} 不再收到提醒。",
    "away.replaced": "（已替换该期间原有的 {count} 条请假登记）",
    "away.stand_in_notice": "{person} {span} 请假，期间由您代为接收 {unit} 的督办提醒并报送。",
    "away.contact_notice": "管理员已为您登记请假：{span}。期间 {unit} 的提醒发给 {deputy}，您不会收到提醒。",
    "away.end_button": "结束请假",
    "away.end_n": "结束第{index}条",
    "away.ended": "已结束请假（{start}—{end}），提醒恢复发给本人。",
    "away.already_ended": "该请假登记已结束或已撤销。",
    "away.not_yours": "只有请假本人、代班人或管理员可以结束这条请假。",
    "away.none": "目前没有请假登记。",
    "away.list_title": "<b>请假与代班</b>（{count} 条）",
    "away.line": "{index}. {person}（{unit}）{start}—{end}，代班：{deputy}",
    "history.usage": "/history 单位或序号 [开始日期 结束日期 | 月份]（如 /history 区住建局 2021-07-01 2021-07-31、/history #12 7月）",
    "history.bad_range": "无法识别期间「{text}」。用法：/history 单位或序号 开始日期 结束日期（或 7月）。",
    "history.unknown": "未找到单位或事项「{text}」。相近的单位：{suggest}",
    "history.not_yours": "该单位或事项不属于您所在的单位，只能查看本单位的报送记录。",
    "history.span": "{start}至{end}",
    "history.none": "{subject} 在 {span} 没有报送记录。",
    "history.title": "<b>{subject} 报送记录</b>（{span}，共 {count} 条）",
    "history.line": "{index}. {when} #{number} {unit} {reporter}：{status}{percent}，{text}{state}",
    "history.office": "督查室（导入）",
    "history.returned": "已退回（{when}：{reason}）",
    "history.edited": "修改 {count} 次，最后 {when}",
    "history.more": "……共 {count} 条，完整记录见下方表格。",
    "history.caption": "{subject} 的报送记录，共 {count} 条。",
    "history.filename": "报送记录-{start}-{end}.xlsx",
    "history.sheet": "报送记录",
    "history.col.when": "报送时间",
    "history.col.number": "序号",
    "history.col.title": "事项",
    "history.col.unit": "单位",
    "history.col.reporter": "报送人",
    "history.col.period": "报送期",
    "history.col.text": "完成情况",
    "history.col.percent": "完成进度(%)",
    "history.col.status": "状态",
    "history.col.problems": "存在问题",
    "history.col.evidence": "佐证材料",
    "history.col.state": "退回/修改",
    "refuse.away": "您还没有绑定单位，无法登记请假。为联络员登记请假仅限管理员。",
    "refuse.contact_extend": "您还没有绑定单位，无法申请延期。请向管理员索取邀请链接。",
    "refuse.contact_history": "您还没有绑定单位。查看报送记录仅限管理员、督查人员和单位联络员。",
    "refuse.send_back": "退回报送仅限管理员和督查人员。",
    "cmd.revise": "修改报送", "cmd.extend": "申请延期", "cmd.away": "请假与代班", "cmd.history": "报送记录",
    "cmd.sendback": "退回报送", "cmd.ranking": "单位排名", "cmd.unread": "未签收提醒",
    # ---- tables: import period and units
    "import.period": "表中进展和状态记入 {period}（表中写的是「{text}」）。",
    "import.period_none": "表中未写明进展所属期间，进展和状态按导入日期记入 {period}。",
    "import.unit_name": "「{name}」",
    "import.near_units": "可能重复的单位 {count} 组（如是同一单位，点下方按钮合并，另一名称保留为别名）：{pairs}",
    "import.near_pair": "{name} 与 {other}（{reason}）",
    "import.near.alias": "仅括注不同",
    "import.near.typo": "相差一字",
    "import.near.short": "疑为简称",
    "import.near.existing": "后者为已有单位",
    "import.merged_units": "按同一单位处理：{pairs}",
    "import.merged_pair": "{merged} → {kept}",
    "import.merge_button": "合并 {merged} → {kept}",
    "import.merge_done": "已合并：{merged} 记为 {kept} 的别名。",
    "import.merge_stale": "这个按钮已过期，预览未作改动。",
    # ---- core: units of work, button data, drafts
    "db.unavailable": "数据库暂时无法访问，本次操作未保存任何内容。请稍后重试。",
    "draft.dropped": "之前未完成的草稿已放弃。",
    "draft.dropped_item": "之前未完成的事项 #{number} 草稿已放弃。",
    "report.already_saved": "这份报送已经保存过（记录 #{id}），没有重复保存。",
    "ext.already_saved": "这份延期申请已经提交过，没有重复提交。",
    "rv.already_saved": "这次修改已经保存过，没有重复保存。",
    "snooze.too_late": "暂缓不能晚于 {until}（事项的截止日期或下一次报送日）。",
    # ---- admin: names, contacts and invites, pages
    "unit.taken": "「{name}」已是单位「{unit}」的名称或别名，本次未保存任何单位。",
    "unit.no_names": "没有读到单位名称。请在命令后写单位名称，多个单位每行一个：\n{usage}",
    "unit.name_too_long": "单位名称或别名过长（最多 {max} 字），本次未保存任何单位。",
    "names.empty": "内容不能为空，请重新输入。",
    "unit.unknown_all": "{lines}",
    "contacts.usage": "/contacts 单位名称",
    "contacts.title": "<b>{unit} 的联络员</b>（{count} 人）",
    "contacts.none": "{unit} 还没有联络员。用 /invite {unit} 生成邀请链接。",
    "contacts.line": "{index}. {name} — {states}",
    "contacts.bound": "{date} 绑定",
    "contacts.backup": "备用联络员",
    "contacts.reachable": "可联系",
    "contacts.unreachable": "联系不上（已屏蔽机器人或离开）",
    "contacts.away": "请假至 {until}",
    "contacts.invites_title": "<b>未使用的邀请</b>（{count} 个）",
    "contacts.invite_line": "{index}. {created} 生成，有效至 {until}{backup}",
    "contacts.invite_backup": "（备用联络员）",
    "contacts.remove_button": "移除 {name}",
    "contacts.revoke_button": "撤销邀请 {index}",
    "contacts.remove_confirm": "确认将 <b>{name}</b> 移出 <b>{unit}</b> 的联络员吗？该单位的报送记录和签收记录都会保留。",
    "contacts.revoke_confirm": "确认撤销 <b>{unit}</b> 于 {created} 生成的邀请吗？撤销后该链接不能再使用。",
    "contacts.removed": "已将 {name} 移出 {unit} 的联络员。该单位的报送和签收记录均已保留。",
    "contacts.revoked": "已撤销该邀请，链接不能再使用。",
    "contacts.gone": "该联络员已不在这个单位，未做任何更改。",
    "contacts.invite_gone": "该邀请已被使用、已过期或已撤销，未做任何更改。",
    "contacts.you_were_removed": "您已不再是 {unit} 的联络员，此操作已结束，未保存任何内容。如有疑问请联系管理员。",
    "cmd.contacts": "联络员与邀请",
    "pages.marker": "— 第 {page}/{pages} 页 —",
    "pages.xlsx": "📥 下载 .xlsx",
    "pages.expired": "这个列表已过期，请重新发送命令查看。",
    # ---- admin: end
    # ---- texts: English demo, deadlines without a year, acknowledgements, chart colours
    "demo.intro": "progress-bot 演示：真实的机器人对接本地 Bot API 模拟器，无需令牌，不联网。",
    "demo.scene.setup": "2021年7月20日 08:30 — 管理员设置",
    "demo.scene.bind": "联络员点开邀请链接",
    "demo.scene.remind": "7月23日（周五）09:00 — 每日提醒（25日报送日逢周日，提前到周五）",
    "demo.scene.report": "联络员上报进展：点按钮，或直接回复提醒",
    "demo.scene.digest": "7月26日（周一）09:30 — 每周通报",
    "demo.scene.end": "演示结束",
    "demo.outro": "正式运行：在 .env 中填写 BOT_TOKEN 和 ADMIN_IDS，然后运行 `progress-bot run`（见 README）。",
    "deadline.past": "\n⚠️ 该时限已过（今天是 {today}）。如指明年，请写明年份，如 {example}。",
    "missing.unbound": "（未绑定联络员）",
    "missing.unbound_hint": "标注“未绑定联络员”的单位收不到提醒，请管理员发送 /invite 单位名称 邀请联络员。",
    "report.from_reply": "上报 <b>#{number} {title}</b>（以您对提醒的回复为本期完成情况）",
    "chart.legend_title": "颜色表示推进状态（不是三色预警）",
    "chart.status.ahead": "□ 提前完成",
    "chart.status.good": "★ 推进良好",
    "chart.status.average": "— 一般或难以评价",
    "chart.status.slow": "▲ 较为缓慢",
    "paren": "（{text}）",
    # ---- export: the printed table (page footer, the fiscal-investment column)
    "export.footer": "第 &P 页 共 &N 页",
    "export.col.fiscal_investment": "其中：\n财政安排\n(万元)",
    # ---- webapp: the supervisors' dashboard (Mini App)
    "wa.title": "督查督办看板", "wa.menu_button": "看板", "wa.open_button": "📋 在看板中查看", "wa.loading": "正在加载……",
    "wa.nav_home": "看板", "wa.nav_items": "事项", "wa.nav_chart": "分领域图表", "wa.nav_units": "单位排名",
    "wa.nav_export": "导出进展表",
    "wa.refused_title": "无法显示",
    "wa.auth_missing": "请从 Telegram 里机器人的“看板”按钮打开本页面：没有收到 Telegram 的身份信息。",
    "wa.auth_forged": "身份信息校验未通过（签名不符），不予显示。请从机器人的“看板”按钮重新打开。",
    "wa.auth_expired": "身份信息已过期，请关闭本页后从机器人的“看板”按钮重新打开。",
    "wa.not_allowed": "看板仅限管理员、督查人员和已绑定单位的联络员使用。",
    "wa.overseers_only": "该页面仅限管理员和督查人员查看。",
    "wa.not_your_item": "该事项不属于您的单位，无权查看。",
    "wa.not_your_unit": "只能查看本单位的情况。",
    "wa.no_such_item": "没有这个事项。", "wa.no_such_unit": "没有这个单位。", "wa.no_such_file": "没有这个材料。",
    "wa.file_unavailable": "暂时无法从 Telegram 取回该材料，请稍后再试。",
    "wa.cross_site": "请求来源不符，操作未执行。",
    "wa.stale_action": "该操作已失效（已提交过或页面已过期），请刷新页面后重试。",
    "wa.bad_period": "请选择要导出的月份。",
    "wa.error": "出了点问题，请稍后再试；管理员可在日志中查看原因。",
    "wa.list_name": "年度重点任务", "wa.list_count": "共 {count} 项（截至 {date}）", "wa.years": "年度：",
    "wa.search": "搜索", "wa.search_hint": "序号或标题中的文字", "wa.any": "全部",
    "wa.unit": "单位", "wa.domain": "领域", "wa.status": "推进状态", "wa.colour": "预警颜色", "wa.year": "年度",
    "wa.overdue": "已逾期", "wa.unreported": "本期未报送", "wa.milestones": "节点到期",
    "wa.apply": "筛选", "wa.reset": "清除筛选", "wa.found": "找到 {count} 项，每页 {size} 项",
    "wa.no_items": "没有符合条件的事项。", "wa.prev": "上一页", "wa.next": "下一页", "wa.page": "第 {page} / {pages} 页",
    "wa.col_number": "序号", "wa.col_title": "事项", "wa.col_deadline": "完成时限", "wa.col_status": "状态",
    "wa.col_percent": "完成", "wa.col_colour": "预警",
    "wa.time_progress_short": "时序 {progress}%", "wa.time_progress": "时序进度", "wa.overdue_days": "逾期 {days} 天",
    "wa.lead": "牵头单位", "wa.responsible": "责任单位", "wa.cycle": "报送周期",
    "wa.months": "{year} 年逐月预警", "wa.month": "{month}月",
    "wa.reports": "报送记录（{count}）", "wa.office": "督查室", "wa.problems": "存在问题：",
    "wa.photo": "佐证照片 {index}", "wa.file": "佐证材料 {index}",
    "wa.version": "第 {version} 版（{when}）", "wa.returned": "↩️ 已于 {when} 由 {person} 退回：{reason}",
    "wa.send_back_reason": "退回理由（将转告联络员）",
    "wa.extensions": "延期申请", "wa.extension": "{person} 于 {when} 申请延期至 {deadline}：{status}",
    "wa.comment": "审批意见：{comment}", "wa.comment_label": "审批意见（可不填）",
    "wa.unit_items": "本单位事项（{count}）", "wa.ranking": "月度排名", "wa.no_ranking": "本单位暂无排名。",
    "wa.ranking_of": "{year}年{month}月单位排名", "wa.month_of": "{year}年{month}月", "wa.month_col": "月份",
    "wa.rank": "名次", "wa.score": "得分", "wa.on_time_rate": "按时报送率", "wa.on_time": "按时/应报", "wa.colours": "红/黄/绿",
    "wa.chart_alt": "各领域事项按推进状态分布图",
    "wa.stale": "数据刚有变动，正在更新，稍后自动刷新。",
    "wa.period": "月份", "wa.download": "下载 .xlsx", "wa.export_hint": "进展情况表为当年 1 月至所选月份的累计情况。",
    # ---- lists: task lists (清单) and years
    "list.unknown_code": "没有代号为“{code}”的清单。现有清单代号：{codes}",
    "list.ambiguous": "有多个清单都有第 {number} 项：{choices}。请写明清单代号，例如 {example}，或用 /list 选定当前清单。",
    "list.title": "<b>任务清单</b>（{count} 个）",
    "list.line": "{mark} {name}（{year}年度，{kind}，代号 <code>{code}</code>，{state}，{count} 项）",
    "list.kind_other": "其他",
    "list.state.active": "进行中",
    "list.state.closed": "已关闭",
    "list.current": "本聊天当前清单：<b>{name}</b>。",
    "list.no_current": "本聊天尚未选定清单：有多个清单时，请点下方按钮选定。",
    "list.hint": "点按钮切换当前清单；写「代号+序号」可指其他清单的事项，例如 /item 民生12。",
    "list.none": "还没有任何清单。新增事项或导入任务表时会自动建立。",
    "list.picked": "本聊天当前清单已切换为 <b>{name}</b>（代号 {code}）：#序号 即指该清单的事项。",
    "list.new_usage": "/list new 名称 [年度] [代号]，例如 /list new 2022年民生实事 民生22",
    "list.name_is_year": "“{name}”只是年度，不是清单名称。请写成如 /list new 2022年民生实事 民生22",
    "list.year_needed": "清单“{name}”的名称里没有年度，请写明考核年度，例如 /list new {name} 2022",
    "list.bad_code": "代号“{code}”不可用：代号不能以数字开头，不含空格或 #，最多 10 个字。",
    "list.taken": "代号“{code}”或名称“{name}”已被其他清单使用，请换一个。",
    "list.created": "已新建清单 <b>{name}</b>（{year}年度，代号 {code}）。用 /list 切换到该清单，或在 /add 前先选定它。",
    "list.close_usage": "/list close 代号，例如 /list close 重点",
    "list.already_closed": "清单“{name}”已经关闭。",
    "list.close_confirm": (
        "确认关闭清单 <b>{name}</b>（{count} 项）？\n关闭后该清单事项不再提醒、不再接受报送、修改和延期申请；"
        "全部记录保留，仍可在 /list 和报送记录中查看。未完成事项可用 /carry 结转到下一年度。"
    ),
    "list.closed_done": "清单 <b>{name}</b> 已关闭。未完成事项可用 /carry {code} 结转到下一年度清单。",
    "list.closed": "清单“{name}”已关闭，事项 #{number} 只能查看，不能再报送、修改或申请延期。",
    "list.section": "<b>{name}</b>",
    "list.notice_part": "{total}项{kind}中，{ahead}项已完成全年目标，{on_track}项正常推进，{slow}项进度偏慢",
    "carry.usage": "/carry 代号 — 把该清单未完成的事项结转到下一年度清单，例如 /carry 重点",
    "carry.preview": (
        "从 <b>{source}</b> 结转到 <b>{target}</b>：未完成事项 {count} 项，已选 {picked} 项。\n"
        "点事项勾选或取消，再点 ✅ 确认；旧事项及其记录保持不变。"
    ),
    "carry.more": "另有 {count} 项未列出，确认后可再次发送 /carry 继续结转。",
    "carry.nothing": "清单“{name}”没有需要结转的未完成事项。",
    "carry.none_picked": "尚未勾选任何事项。",
    "carry.done": "已结转 {count} 项到 <b>{target}</b>（代号 {code}）：",
    "carry.line": "{old} → {new} {title}",
    "carry.from": "（{year}年结转）上一年度事项：/item {ref}",
    "carry.to": "已结转至 {name}：/item {ref}",
    "list.closed_mark": "（所属清单已关闭：只读）",
    "help.lists": (
        "/list — 任务清单（重点工作、民生实事……），点按钮切换本聊天的当前清单\n"
        "写「代号+序号」指其他清单的事项，例如 /report 民生12、/item 民生#3\n"
        "有多个清单时，消息都写明清单，如 民生12（办结、调整、节点、领导批示也是）"
    ),
    "help.lists_admin": (
        "/list new 名称 [年度] [代号] — 新建清单（如 /list new 2022年民生实事 民生22）\n"
        "/list close 代号 — 年度结束时关闭清单（不再提醒，只读，记录保留）\n"
        "/carry 代号 — 把未完成事项结转到下一年度清单"
    ),
    "cmd.list": "任务清单", "cmd.carry": "结转到下一年度",
    # ---- listimport: import into lists, changes and different tasks in the preview
    "import.period_today": "导入当月",
    "import.changes": "将修改 {items} 项的 {count} 处：",
    "import.change": "#{number} {field}：{old} → {new}",
    "import.field.title": "标题", "import.field.deadline": "时限", "import.field.domain": "领域",
    "import.field.lead_units": "牵头", "import.field.responsible_units": "责任",
    "import.more_in_file": "……另有 {count} 处，见随附的 .xlsx。",
    "import.different": "⚠️ {count} 行与现有同号事项不是同一任务：将作为新事项另编号导入，现有事项及其报送、延期、退办记录保持不变（如确为同一任务改了名，点下方按钮合并）：",
    "import.different_row": "表中 #{number}「{title}」≠ 现有 #{number}「{existing}」→ 新编号 #{new_number}",
    "import.different_merged": "⚠️ 已选择：标题不同的同号事项按同一任务更新（现有事项改用表中标题，记录随事项保留）。",
    "import.merge_different_button": "⇄ 按同一任务合并（{count} 项）",
    "import.split_different_button": "↩ 改回：不同任务另编号导入",
    "import.merge_different_done": "预览已更新。",
    "import.done_separate": "其中 {count} 项与同号事项不是同一任务，已另编号。",
    "import.file_changes": "修改", "import.file_different": "不同任务",
    "import.col.number": "序号", "import.col.field": "字段", "import.col.old": "原值", "import.col.new": "新值",
    "import.col.existing": "现有事项", "import.col.title": "表中任务", "import.col.new_number": "新编号",
    "import.changes_caption": "导入预览：全部修改与不同任务",
    "export.title_kind": "{year}年{months}{kind}进展情况表",
    "export.kind_livelihood": "民生实事",
    "import.into_new": "导入到新清单「{name}」（{year}年度）；可点下方按钮改名、改年度或选择现有清单。",
    "import.into_existing": "导入到现有清单「{name}」（{year}年度，代号 {code}）。",
    "import.done_into": "清单：{name}（代号 {code}）。",
    "import.list_button": "📋 导入到 {name}",
    "import.new_list_button": "🆕 新清单 {name}",
    "import.rename_button": "✏️ 新清单名称/年度",
    "import.ask_list_name": "请用一条消息写出新清单的名称和年度，例如：<code>2022年重点工作 2022</code>（只写名称时，年度取名称中的年份）。随时 /cancel 取消。",
    "import.bad_list_name": "未能识别。请写出清单名称和四位年份，例如：<code>2022年重点工作 2022</code>。",
    "import.list_chosen": "已选择：{name}",
    "import.list_gone": "所选清单已关闭或已不存在，未导入任何内容。请重新发送 /import。",
    "import.cli_no_list": "没有代号或名称为“{code}”的进行中清单；--list 后写清单代号（如 民生）",
    "import.cli_year": "--new-list 需要同时写 --year 年度，例如 --new-list 2022年重点工作 --year 2022",
    "import.bad_into": "没有进行中的清单叫“{text}”，也读不出新清单的名称和年度。请写现有清单的代号（如 /import 民生），或新清单的名称和年度（如 /import 2022年重点工作 2022）。",
    # ---- dash: the dashboard in the demo
    "demo.dashboard": "看板（督查室 陈主任的签名测试身份，一小时内有效），用浏览器打开：\n{url}",
    "demo.dashboard_wait": "看板在演示期间可用；按回车键结束演示。",
    # ---- review: 办结 on review, adjustments and cancellations (handlers/closing.py)
    "close.request": (
        "【申请办结】<b>#{number} {title}</b>\n{unit} {person} 报送已完成：{text}\n"
        "请确认办结，或退回并说明理由。确认前不计为已完成，提醒暂停。"
    ),
    "close.confirm": "✅ 确认办结",
    "close.refuse": "↩️ 退回",
    "close.asked": "📝 已提交 #{number} 办结申请，待督查人员审核；审核前提醒暂停，不计为已完成。",
    "close.confirmed": "✅ 已确认 #{number} 办结（{day}），已通知单位。",
    "close.confirmed_notice": "✅ <b>#{number} {title}</b> 已确认办结（{day}，{person}）。",
    "close.ask_reason": "退回 #{number} 的办结申请：请用一条消息说明理由（将转告单位），或点「取消」。",
    "close.refused": "已退回 #{number} 的办结申请，提醒恢复，已通知单位。",
    "close.refused_notice": (
        "【办结退回】<b>#{number} {title}</b> 的办结申请被退回（{person}）。\n理由：{reason}\n"
        "请继续推进并按期报送，完成后可再次报送「已完成」。"
    ),
    "close.empty_reason": "退回须说明理由。",
    "close.empty_note": "直接办结须写明备注，如：/close 12 经现场核查已完工",
    "close.already": "该办结申请已处理（{outcome}）。",
    "close.status.closed": "已确认办结",
    "close.status.refused": "已退回",
    "close.status.withdrawn": "报送已退回或更正，申请失效",
    "close.status.requested": "待审核",
    "close.decide_cancelled": "已取消，办结申请仍待审核。",
    "close.usage": "用法：/close 序号 备注，如 /close 12 经现场核查已完工",
    "close.preview": "请确认直接办结：\n<b>#{number} {title}</b>\n备注：{note}",
    "close.done_direct": "✅ 已办结 #{number}（{day}）。",
    "close.already_closed": "事项 #{number} 已办结或已取消，无需再次办结。",
    "close.card_requested": "📝 申请办结，待审核（{day} 提交）",
    "close.card_closed": "✅ 已办结（{day}，{person}）{note}",
    "close.card_refused": "↩️ 办结申请于 {day} 被退回：{reason}",
    "close.card_cancelled": "🚫 已取消（经批准，{day}）",
    "close.note": "：{note}",
    "digest.closing_pending": "申请办结 {count} 项，待审核：{numbers}。",
    "digest.cancelled": "已取消 {count} 项：{items}。",
    "digest.cancelled_item": "#{number} {title}（经批准取消）",
    "adj.button": "🔧 申请调整",
    "adj.choose": "申请调整哪一项？",
    "adj.ask_kind": "申请调整 <b>#{number} {title}</b>：要调整什么？",
    "adj.kind.title": "标题",
    "adj.kind.target": "目标值",
    "adj.kind.units": "责任单位",
    "adj.kind.cancel": "取消事项",
    "adj.ask_title": "现标题：{current}\n请用一条消息写出新的标题。",
    "adj.ask_target": "现目标值：{current}\n请写出新的目标值（数字）。",
    "adj.ask_units": "现责任单位：{current}\n请写出新的责任单位（多个用、分隔）。",
    "adj.not_indicator": "事项 #{number} 没有数值目标，请申请调整标题。",
    "adj.bad_target": "无法识别目标值「{text}」，请写一个数字，如 95 或 12.5。",
    "adj.same": "与现在相同，无需调整。请重新输入。",
    "adj.ask_reason": "请用一条消息说明申请理由。",
    "adj.preview": "请确认调整申请：\n<b>#{number} {title}</b>\n{change}\n理由：{reason}",
    "adj.change": "调整{kind}：{before} → {after}",
    "adj.cancel_change": "申请取消该事项",
    "adj.submitted": "✅ 已提交 #{number} 的调整申请，等待管理员审批，结果会通知您。",
    "adj.admin_request": (
        "【调整申请】<b>#{number} {title}</b>\n{unit} {person} 申请：{change}\n理由：{reason}"
    ),
    "adj.approved_notice": "✅ 您对 <b>#{number} {title}</b> 的调整申请已批准：{change}。{comment}",
    "adj.refused_notice": "您对 <b>#{number} {title}</b> 的调整申请未获批准（{change}）。{comment}",
    "adj.decided_approved": "已批准 #{number} 的调整申请，已通知申请人。",
    "adj.decided_refused": "已不批准 #{number} 的调整申请，已通知申请人。",
    "adj.already": "该调整申请已处理（{outcome}）。",
    "adj.status.approved": "已批准",
    "adj.status.refused": "未批准",
    "adj.status.pending": "待审批",
    "adj.item_cancelled": "事项 #{number} 已取消，不能再调整。",
    "adj.pending": "事项 #{number} 已有一份调整申请待审批，审批前不能再次申请。",
    "adj.not_your_item": "事项 #{number} 不属于您所在的单位，不能为其申请调整。",
    "adj.already_saved": "这份调整申请已经提交过，没有重复提交。",
    "adj.card_line": "🔧 {when} {change}（{status}）理由：{reason}",
    "refuse.contact_adjust": "您还没有绑定单位，无法申请调整或取消。请向管理员索取邀请链接。",
    "refuse.closing": "审核办结仅限管理员和督查人员。",
    "dialogue.close_decide": "退回办结申请", "dialogue.adjust": "申请调整",
    "cmd.adjust": "申请调整或取消", "cmd.close": "直接办结",
    "wa.closing": "办结与调整", "wa.closing_reason": "退回理由（退回时必填，将转告单位）",
    # ---- milestones: 节点 (/node, import, reminders, colours, the card, reports)
    "cmd.node": "事项节点（查看、新增、完成）",
    "node.usage": (
        "/node 序号 — 查看节点\n/node 序号 [单位：]时间 内容 — 新增节点，如 /node 3 6月底前完成设计、"
        "/node 3 区建管委：9月底前开工\n/node 序号 完成 节点号 — 标记完成；/node 序号 删除 节点号 — 删除"
    ),
    "node.none": "#{number} 尚无节点。新增：/node {number} 6月底前完成设计",
    "node.list_title": "<b>#{number} {title}</b> 的节点（{done}/{count} 已完成）：",
    "node.bad_deadline": "无法从「{text}」中识别节点时间。请以时间开头，如「6月底前完成设计」「2021年9月30日前开工」。",
    "node.no_title": "请写明节点内容，如「6月底前完成设计」。",
    "node.unknown": "#{number} 没有第 {position} 个节点。发送 /node {number} 查看。",
    "node.preview": "请确认为 #{number} {title} 新增节点：\n{position}. {milestone}\n截止 {deadline}{unit}",
    "node.preview_unit": "\n责任单位：{unit}",
    "node.not_a_unit": "\n（“{name}”不是已登记的单位，已作为节点内容；如指单位，请先 /unit_add 或改用单位全称）",
    "node.preview_done": "请确认将 #{number} 的节点标记为完成：\n{position}. {milestone}",
    "node.preview_remove": "请确认删除 #{number} 的节点：\n{position}. {milestone}",
    "node.already_done": "该节点已于 {date} 完成。",
    "node.saved": "已为 #{number} 新增节点 {position}：{milestone}（截止 {deadline}）。",
    "node.ticked": "已将 #{number} 的节点 {position} 标记为完成。",
    "node.removed": "已删除 #{number} 的节点 {position}。",
    "node.mark_done": "✓ {date}完成",
    "node.mark_due": "待完成（{deadline}）",
    "node.mark_overdue": "已逾期（{deadline}）",
    "node.line": "{position}. {title} — {mark}{unit}",
    "node.card_title": "节点（{done}/{count} 已完成）：",
    "node.export": "节点：{done}/{count} 已完成",
    "node.import_line": "其中 {items} 项含节点 {count} 个，导入后按节点提醒。",
    "warning.milestones": "{count} 个节点逾期",
    "reason.milestone": "#{number} 节点截止前{days}天",
    "remind.milestone": "节点「{title}」截止 {deadline}{left}",
    "report.ask_milestones": "本次完成了哪些节点？点选后按「确定」；没有请点「跳过」。",
    "report.milestones_done": "确定",
    "report.milestones_skip": "跳过",
    "report.milestones_ticked": "完成节点：{titles}",
    "node.stale": "该节点已不属于此次报送的事项，未作更改。",
    "wa.milestones_card": "节点（{done}/{count} 已完成）",
    # ---- the dashboard's lists (清单) and years, its export of a list, an adjustment decided on the card
    "wa.lists": "清单", "wa.list": "清单", "wa.list_option": "{name}（{code}）", "wa.list_items": "{count} 项",
    "wa.list_year": "{year}年度", "wa.list_closed": "已结束", "wa.list_export": "导出",
    "wa.no_such_list": "没有这个代号的清单。", "wa.adjust_pending": "待审批：",
    "wa.adjust_approve": "✅ 批准调整", "wa.adjust_refuse": "✖ 不批准",
    # ---- instructions: leaders' instructions (领导批示)
    "ins.usage": (
        "/instruct 序号 — 逐步登记领导批示；或一行：/instruct 序号 批示领导 | 批示日期 | 批示内容 | 承办期限"
        "（日期不填为今天，期限可不填）"
    ),
    "ins.no_units": "事项 #{number} 没有牵头或责任单位，批示无从下发。请先用 /edit 设定单位。",
    "ins.ask_leader": "登记领导批示 <b>#{number} {title}</b>\n请发送批示领导（如：区长 张三）。随时 /cancel 取消。",
    "ins.ask_date": "批示领导：<b>{leader}</b>\n请发送批示日期（如 7月5日、2021-07-05），或点「今天」。",
    "ins.today": "今天（{date}）",
    "ins.empty": "内容不能为空，请重新发送。",
    "ins.bad_date": "无法识别日期「{text}」。请写成 7月5日、2021-07-05 等形式。",
    "ins.future_date": "批示日期 {date} 还没到，请输入今天或以前的日期。",
    "ins.ask_text": "批示日期理解为：<b>{date}</b>\n请用一条消息发送批示内容。",
    "ins.ask_act_by": "批示如要求在某日前落实，请发送承办期限（如 8月底前、2021.8.31）；没有则点「无期限」。",
    "ins.no_act_by": "无期限",
    "ins.bad_act_by": "无法识别期限「{text}」。请写成 8月底前、2021.8.31 等形式，或点「无期限」。",
    "ins.act_by_early": "期限 {date} 早于批示日期，请重新输入。",
    "ins.act_by_none": "无",
    "ins.act_by_value": "{date}（原文“{text}”）",
    "ins.preview": (
        "请确认领导批示：\n<b>#{number} {title}</b>\n批示领导：{leader}\n批示日期：{date}\n批示内容：{text}\n"
        "承办期限：{act_by}\n将通知：{units}"
    ),
    "ins.saved": "✅ 已登记 #{number} 的领导批示，已通知 {units}。发送 /instructions 查看签收和答复情况。",
    "ins.unreached": "⚠️ {units} 暂无可联系的联络员，未能通知，请用 /invite 邀请联络员。",
    "ins.already_saved": "这条批示已经登记过了，未重复保存。",
    "ins.notice": (
        "<b>【领导批示】</b>#{number} {title}\n{leader}（{date}）：{text}{act_by}\n"
        "请点「收到」确认，并在下次报送中答复落实情况。"
    ),
    "ins.notice_act_by": "\n请于 {date} 前落实。",
    "ins.ack_button": "✅ 收到 / 已阅",
    "ins.ack.recorded": "已确认收到，谢谢。",
    "ins.ack.already": "已确认过。",
    "ins.ack.not_yours": "该批示不属于您所在的单位，无法确认。",
    "ins.ack.unknown": "该批示已失效。",
    "ins.quote": "领导批示（{date} {leader}）：{text}{act_by}",
    "ins.act_by_short": "（{date}前落实）",
    "ins.answer_it": "请在本次报送中答复。",
    "ins.ack_it": "尚未确认收到，请在批示通知下点「收到」。",
    "ins.card_title": "<b>领导批示</b>",
    "ins.unit.answered": "{unit} 已答复（{date}）",
    "ins.unit.acked": "{unit} 已阅（{date}），待答复",
    "ins.unit.waiting": "{unit} 未确认",
    "ins.list_title": "<b>待答复的领导批示</b>（{count} 条）",
    "ins.list_none": "目前没有待答复的领导批示。",
    "ins.remind_title": "<b>领导批示</b>",
    "dialogue.instruct": "登记领导批示",
    "cmd.instruct": "登记领导批示", "cmd.instructions": "领导批示签收与答复",
    "wa.instructions": "领导批示",
    "ins.unit_sep": "；",
    "demo.scene.instruct": "7月26日 — 区长批示：管理员登记，两个单位即时收到并签收",
    # ---- ledger: month-on-month (环比) and the points ledger (考核台账)
    "mom.title": "<b>{year}年{month}月环比</b>",
    "mom.so_far": "（本月截至 {date}）",
    "mom.summary": "与上月相比：{parts}。",
    "mom.sep": "，",
    "mom.to_red": "转为红色 {count} 项（{names}）",
    "mom.red_to_yellow": "由红转黄 {count} 项（{names}）",
    "mom.green_to_yellow": "由绿转黄 {count} 项（{names}）",
    "mom.to_green": "转为绿色 {count} 项（{names}）",
    "mom.overdue": "新增逾期 {count} 项（{names}）",
    "mom.done": "新办结 {count} 项（{names}）",
    "mom.reported": "新报送 {count} 项",
    "mom.colours_same": "各事项预警颜色无变化",
    "mom.more": "等 {count} 项",
    "digest.part9": "<b>九、与上月相比（环比）</b>",
    "ledger.line": "{rank}. {unit}　{score} 分（{points}：{detail}）",
    "ledger.count": "{kind} {count}",
    "ledger.nothing": "无计分事项",
    "ledger.kind.on_time": "按时报送", "ledger.kind.late": "逾期报送", "ledger.kind.missing": "未报送",
    "ledger.kind.sent_back": "被退办", "ledger.kind.done_on_time": "按期办结", "ledger.kind.done_late": "逾期办结",
    "ledger.kind.answered": "批示按时办复", "ledger.kind.answered_late": "批示逾期办复",
    "ledger.role.lead": "牵头", "ledger.role.co": "配合",
    "ledger.entry": "{date}　#{number} {title}：{kind}（{role}）{points}",
    "ledger.unit_title": "<b>{unit} {year}年考核台账</b>\n共 {count} 条，合计 {points} 分，得分 {score}（基础分 {base}）",
    "ledger.unit_empty": "{year}年暂无记分事项。",
    "ledger.method": (
        "计分方法：基础分 {base} 分，按该期考核台账逐项加减：按时报送 {on_time}、逾期报送 {late}、未报送 {missing}、"
        "被退办 {sent_back}、按期办结 {done_on_time}、逾期办结 {done_late}、批示按时办复 {answered}、"
        "批示逾期办复 {answered_late}；牵头单位按 ×{lead} 计，其他责任单位按 ×{co} 计。报送日遇休息日提前至前一个"
        "工作日，当天报送即为按时；被退回的报送另行扣分，该期以重新报送的时间计。得分相同者并列。"
        "各单位明细：/ranking 单位名称。"
    ),
    "wa.ledger": "考核台账（{year}年）", "wa.no_ledger": "暂无记分事项。",
    "wa.ledger_total": "合计 {points} 分，得分 {score}（基础分 {base}）；按时报送率 {rate}",
    "wa.entry_date": "日期", "wa.entry_item": "事项", "wa.entry_kind": "记分事由", "wa.entry_role": "角色",
    "wa.entry_points": "分值", "wa.colour_course": "各事项逐月颜色",
    "demo.scene.month": "8月2日（周一）09:30 — 月初通报：上月排名（考核台账）与环比",
    "demo.scene.lists": "第二个清单：2021年重点工作（代号 重点）与 2021年民生实事（代号 民生）并行，各自从 1 编号",
    "demo.scene.year_end": "2022年1月4日 — 年终：关闭清单，未完成事项结转到 2022 年",
    "ledger.year_title": "<b>{year}年各单位督办工作考核排名（全年累计）</b>",
    "ledger.sheet": "考核台账", "ledger.file_title": "{unit} {year}年考核台账", "ledger.filename": "考核台账-{unit}-{year}.xlsx",
    "ledger.col.date": "日期", "ledger.col.number": "序号", "ledger.col.title": "事项", "ledger.col.kind": "记分事由",
    "ledger.col.role": "角色", "ledger.col.points": "分值", "ledger.col.total": "得分（基础分 {base}）",
}

EN: dict[str, str] = {
    "status.ahead": "done",
    "status.good": "going well",
    "status.average": "average",
    "status.slow": "slow",
    "status_long.ahead": "done",
    "status_long.good": "going well",
    "status_long.average": "average or hard to assess",
    "status_long.slow": "slow",
    "domain_status.ahead": "done ahead of time",
    "domain_status.good": "going well",
    "domain_status.average": "average",
    "domain_status.slow": "slow",
    "cycle.monthly": "monthly",
    "cycle.quarterly": "quarterly",
    "cycle.weekly": "weekly",
    "cycle.none": "no fixed cycle",
    "role.lead": "lead units",
    "role.responsible": "responsible units",
    "none": "none",
    "list_sep": ", ",
    "start.hello": "Hello, {name}! I remind units to report progress on the key tasks and post a weekly digest.",
    "start.unbound": "You are not bound to a unit yet. Ask your admin for an invite link and open it.",
    "start.contact": "You report for <b>{units}</b>. Send /mine for your unit's items, /report to report progress.",
    "start.admin": "You are an admin. Send /help for all commands.",
    "start.supervisor": "You are a supervisor. Send /status for the overall progress.",
    "help.title": "<b>Commands</b>",
    "help.contact": (
        "/mine — your unit's items and their latest status\n"
        "/report [n] — report progress (or tap a reminder's button, or reply to it); an item with open milestones lets you tick those the report completes\n"
        "/item n — an item's card and report history\n"
        "/revise n — correct your unit's latest report within the allowed time (24 hours by default)\n"
        "/extend n — ask for an extension (new deadline and reason; an admin decides)\n"
        "/adjust n — ask to change an item's title, target or responsible units, or to cancel it (an admin decides)\n"
        "/away from to — leave: a colleague gets the reminders meanwhile (e.g. /away next week)\n"
        "/history unit|n [from to] — your unit's reports\n"
        "/snooze n when — snooze an item's reminders (e.g. next Monday)\n"
        "Tapping “Received” or a report button under a reminder, or replying to it, acknowledges it.\n"
        "Tap “Received” under a leader's instruction; your next report on the item is asked to answer it."
    ),
    "help.supervisor": (
        "/status — overall progress\n/slow — slow items\n/overdue — overdue items\n"
        "/missing — units that have not reported this period\n/item n — an item's card\n"
        "/chart — progress by domain as a picture\n/export [list code] [month] — a list's progress table as .xlsx (milestones after the progress)\n"
        "/items red|yellow — items by warning colour\n"
        "/sendback n [reason] — return the latest report for rework (admins and supervisors only; or tap the card's button)\n"
        "A report marked done asks for closing: admins and supervisors tap Confirm closing or Send back (with a reason); only then does it count as done\n"
        "/ranking [list code] [month|this month|year] — the ranking of units for a month (or the year so far), from the points ledger, in the list's assessment year; /ranking unit — that unit's ledger of the year\n"
        "/status 环比 — what changed since last month (turned red, yellow or green, newly overdue, done, reported)\n"
        "/history [list code] unit|n [from to] — every report of a period (.xlsx too when long; months and days in the list's assessment year)"
    ),
    "help.admin": (
        "/unit_add name [aliases…] — add a unit (several lines: one unit each)\n"
        "/units — list units\n"
        "/invite unit — invite link for a unit's contact\n"
        "/contacts unit — the unit's contacts and their state, its unused invites; remove a contact, revoke an invite\n"
        "/add title | deadline | lead units | responsible units [| domain] — add an item (bare /add guides you)\n"
        "/items [unit|status|domain] — list items\n"
        "/item n — an item's card and report history\n"
        "/edit n field value — change an item (title, deadline, lead, responsible, domain, cycle)\n"
        "/archive n — archive an item; /unarchive n — restore it\n"
        "/node n [unit: ]when what — add a milestone (e.g. /node 3 6月底前完成设计); /node n to list, tick or remove\n"
        "/import — import the task table (.xlsx, .xls, .ods, .docx or .csv sent as a file, caption /import); the preview names the list it goes into (from the title's year and kind; rename it, change the year or pick an existing list; or /import 民生, /import 2022年重点工作 2022), each change and each row that is another task than the item with its number\n"
        "/remind [unit] — send due reminders now\n"
        "/digest — post the digest now\n"
        "/setgroup — send inside a group to make it the digest group\n"
        "/schedule — what will be sent in the next 7 days\n"
        "/outbox — pending and failed sends\n"
        "/holiday [date off|work] — holiday and adjusted-workday overrides\n"
        "/invite unit backup — invite a backup contact (gets reminders nobody acknowledged)\n"
        "/unread — units that have not acknowledged their latest reminder\n"
        "/away unit when — register a contact's leave and stand-in\n"
        "/instruct number — record a leader's instruction (who, date, text, act-by date); its units are told at once, acknowledge it, and answer it in their next report\n"
        "/instructions — instructions waiting for an answer, and which units have acknowledged or answered\n"
        "/close n note — close an item directly (after a confirmation)\n"
        "Extension requests come to you: tap Approve or Refuse, with a comment if you like; so do requests to change or cancel an item."
    ),
    "help.common": "/lang zh|en — language\n/cancel — cancel what you are doing\n/help — this help",
    "lang.set": "Language set to English.",
    "lang.usage": "Usage: /lang zh or /lang en",
    "cancelled": "Cancelled; nothing was saved.",
    "nothing_to_cancel": "Nothing to cancel.",
    "timeout": "Timed out and cancelled; nothing was saved. Start again whenever you are ready.",
    "error.generic": "Sorry, something went wrong and the admins were told. Nothing was saved; please try again later.",
    "error.admin_alert": "⚠️ Error while handling an update: <code>{error}</code>",
    "refuse.admin": "This command is for admins only.",
    "refuse.supervisor": "This command is for supervisors, admins or the digest group.",
    "refuse.contact": "You are not bound to a unit, so you cannot report. Ask your admin for an invite link.",
    "refuse.private": "Please use this command in a private chat with me.",
    "refuse.not_your_item": "Item #{number} does not belong to your unit; you cannot report on it.",
    "usage": "Usage: {usage}",
    "unknown.command": "I do not know that command. Send /help for the commands you can use.",
    "unknown.text": "To report progress send /report, or tap a reminder's button. Send /help for all commands.",
    "confirm.yes": "✅ Confirm",
    "confirm.no": "✖ Cancel",
    "confirm.expired": "This confirmation has expired; please start again.",
    "btn.cancel": "✖ Cancel",
    "unit.added": "Units added: {names}",
    "unit.exists": "Already there: {names}",
    "unit.usage": "/unit_add unit name [aliases …] (several lines: one unit each)",
    "unit.list_title": "<b>Units</b> ({count})",
    "unit.line": "{name}{aliases} — {contacts:no contact bound|# contact|# contacts}, {items:# item|# items}",
    "unit.aliases": " (aliases: {aliases})",
    "unit.none": "No units yet. Add one with /unit_add.",
    "unit.unknown": "No unit called “{name}”.",
    "unit.suggest": "Did you mean: {names}?",
    "unit.create_hint": "To add it, send /unit_add {name} first",
    "invite.usage": "/invite unit name",
    "invite.created": (
        "Invite link for <b>{unit}</b> (single use, valid until {until}):\n{link}\n\n"
        "Forward it to the unit's contact: opening it makes them the unit's contact."
    ),
    "invite.bound": "Done! You now report for <b>{unit}</b>.",
    "invite.already": "You already report for <b>{unit}</b>.",
    "invite.unknown": "This invite code is not valid. Ask your admin for a new link.",
    "invite.used": "This invite link has already been used. Ask your admin for a new one.",
    "invite.expired": "This invite link has expired. Ask your admin for a new one.",
    "unit.items_title": "Your unit has {count:# item|# items}:",
    "unit.no_items": "Your unit has no items yet.",
    "item.line": "#{number} {mark} {title}",
    "item.line_deadline": " (due {deadline})",
    "item.unknown": "No item #{number}.",
    "item.number_usage": "Please give the item's number, e.g. {example}",
    "item.card": (
        "<b>#{number} {title}</b>\n"
        "Domain: {domain}\nDeadline: {deadline}\nLead units: {lead}\nResponsible units: {responsible}\n"
        "{investment}Report cycle: {cycle}\nTime elapsed: {time_progress}\nStatus: {mark} {status}{percent}{archived}"
    ),
    "item.investment": "Investment: {investment} (10k yuan)\n",
    "item.archived_mark": " (archived)",
    "item.history_title": "<b>Reports</b> ({count})",
    "item.history_none": "No reports yet.",
    "item.history_entry": (
        "{index}. {when} {unit} {reporter}\n   Status: {status}{percent}\n   Done: {text}\n   Problems: {problems}{evidence}"
    ),
    "item.evidence": "\n   Evidence: {count:none|# file|# files}",
    "items.title": "<b>Items</b>{filter} ({count})",
    "items.filter": " ({label})",
    "items.none": "No items match.",
    "items.bad_filter": "I cannot tell what “{text}” means. Filter by a unit, a status (done, good, average, slow, missing) or a domain.",
    "item.deadline_open": "not set",
    "item.days_left": ", {days:# day|# days} left",
    "item.days_over": ", {days:# day|# days} overdue",
    "item.today": ", due today",
    "add.usage": "/add title | deadline | lead units | responsible units [| domain]",
    "add.ask_title": "New item (5 steps, /cancel at any time).\nStep 1: the item's title?",
    "add.ask_deadline": "Step 2: deadline? e.g. 2021-12-31, end of November, Q4, 2021.12.",
    "add.ask_lead": "Step 3: lead units? Separate several with commas.",
    "add.ask_responsible": "Step 4: responsible units? Separate with commas; tap the button if same as lead.",
    "add.same_as_lead": "Same as lead",
    "add.ask_domain": "Step 5: domain? Tap an existing one, type a new one, or skip.",
    "add.skip": "Skip",
    "add.empty_title": "The title cannot be empty; please type it again.",
    "add.too_long": "Too long (at most {max} characters); please shorten it.",
    "add.bad_deadline": "Cannot read the deadline “{text}”. Write it like 2021-12-31, 2021.12, end of November or Q4.",
    "add.no_units": "Please give at least one unit.",
    "add.preview": (
        "Please confirm the new item:\n<b>#{number} {title}</b>\nDue {deadline}\nLead units: {lead}\n"
        "Responsible units: {responsible}\nDomain: {domain}"
    ),
    "add.saved": "Saved item #{number}: {title} (due {deadline})",
    "add.duplicate": "Item #{number} already has this title; nothing was added.",
    "edit.usage": "/edit n field value (fields: title, deadline, lead, responsible, domain, cycle)",
    "edit.bad_field": "Unknown field “{field}”. Use: title, deadline, lead, responsible, domain, cycle.",
    "edit.bad_cycle": "Unknown cycle “{text}”. Use: monthly, quarterly, weekly, none.",
    "edit.preview": "Please confirm changing the {field} of #{number}:\nOld: {old}\nNew: {new}",
    "edit.saved": "Changed the {field} of #{number}: {new}",
    "field.title": "title",
    "field.deadline": "deadline",
    "field.lead": "lead units",
    "field.responsible": "responsible units",
    "field.domain": "domain",
    "field.cycle": "report cycle",
    "archive.usage": "/archive n",
    "archive.preview": "Archive item #{number} {title}? Archived items get no reminders and leave the digest.",
    "archive.done": "Item #{number} archived.",
    "archive.already": "Item #{number} is already archived.",
    "unarchive.done": "Item #{number} restored.",
    "unarchive.not_archived": "Item #{number} is not archived.",
    "snooze.button": "⏰ Snooze",
    "snooze.choose_item": "Snooze reminders for which item?",
    "snooze.choose_when": "Snooze #{number} until when? Tap, or send /snooze {number} next Monday",
    "snooze.opt.1": "Tomorrow",
    "snooze.opt.3": "In 3 days",
    "snooze.opt.7": "In a week",
    "snooze.opt.14": "In two weeks",
    "snooze.done": "OK: no reminders about #{number} for your unit until {until}.",
    "snooze.usage": "/snooze n when (e.g. /snooze 12 next Monday, /snooze 12 in 3 days)",
    "snooze.bad_when": "Cannot read the time “{text}”. E.g. tomorrow, next Monday, in 3 days.",
    "snooze.past": "The snooze must end after today.",
    "item.snoozed": "\nSnoozed: {units} (until {until})",
    "remind.missed": "the report for {period} is overdue; please report now",
    "remind.queued": "Quiet hours: {count:the reminder|# reminders} will go out at {time}.",
    "escalate.text": (
        "<b>[Escalation]</b> {unit} has missed {streak:# report|# reports} in a row on item #{number} {title}. "
        "Lead units ({lead}), please follow up."
    ),
    "outbox.expired": "{count:# reminder or digest|# reminders or digests} could not be sent within {hours:# hour|# hours} and {count:was|were} dropped. See /outbox.",
    "calendar.uncovered": (
        "The holiday calendar does not know {year} yet, so working days are Monday–Friday for now. "
        "Upgrade chinese-calendar, or add holidays and adjusted workdays with /holiday."
    ),
    "holiday.usage": "/holiday date off|work [note]; /holiday date remove; bare /holiday lists the overrides",
    "holiday.set_off": "{day} is now a day off: no reminders or digests.",
    "holiday.set_work": "{day} is now a working day (adjusted workday).",
    "holiday.removed": "Override for {day} removed; the official calendar applies.",
    "holiday.list_title": "<b>Calendar overrides</b> ({count})",
    "holiday.line": "{day}: {kind}{note}",
    "holiday.kind.off": "off",
    "holiday.kind.work": "work",
    "holiday.none": "No overrides. The official calendar {coverage}.",
    "holiday.covered": "covers this year",
    "holiday.uncovered": "does not cover this year (Monday–Friday is used)",
    "holiday.bad_date": "Cannot read the date “{text}”. Write it like 2027-02-10.",
    "holiday.bad_kind": "Say “off” or “work” (or 休 / 班).",
    "schedule.title": "<b>What will be sent in the next 7 days</b> (assuming no new reports)",
    "schedule.day": "<b>{day}</b>",
    "schedule.day_off": "<b>{day}</b>: day off, nothing is sent",
    "schedule.unit_line": "  {unit}: {items}",
    "schedule.digest": "  weekly digest → digest group",
    "schedule.escalation": "  escalation: {unit} has not reported #{number}",
    "schedule.nothing": "  nothing",
    "reason.deadline": "#{number} {days:# day|# days} before the deadline",
    "reason.report-due": "#{number} report due",
    "reason.report-before": "#{number} report due in {days:# day|# days}",
    "reason.report-missed": "#{number} report missed ({days:# working day|# working days} late)",
    "reason.manual": "#{number} chased",
    "outbox.blocked": "⚠️ {person}, contact of {unit}, blocked the bot or left; reminders cannot reach them. /invite a new contact for the unit.",
    "outbox.title": "<b>Outbox</b>",
    "outbox.counts": "pending {pending}, sending {claimed}, sent {sent}, failed {failed}, expired {expired}",
    "outbox.pending_title": "<b>Pending</b>",
    "outbox.failed_title": "<b>Failed or expired</b>",
    "outbox.line": "#{id} {kind} → {chat}, {when}{error}",
    "outbox.kind.reminder": "reminder",
    "outbox.kind.digest": "digest",
    "outbox.kind.escalation": "escalation",
    "outbox.kind.notice": "notice",
    "import.ask_file": "Send the task table as a file (Excel .xlsx or .xls, WPS, .ods, a Word .docx, or .csv). /cancel at any time.",
    "import.need_document": "Please send the table as a file (.xlsx, .xls, .ods, .docx or .csv).",
    "import.reading": "Reading {file} …",
    "import.preview_title": "<b>Import preview</b>: {file} (sheet {sheet}, header on row {row})",
    "import.counts": "{total:# item|# items} found: {new} new, {updated} updated, {unchanged} unchanged.",
    "import.new_units": "{count:# unit|# units} will be created: {names}",
    "import.skipped": "{count:# row|# rows} skipped: {rows}",
    "import.skipped_row": "row {row} ({reason})",
    "import.reason.total": "total",
    "import.reason.legend": "legend/notes",
    "import.reason.empty": "empty",
    "import.reason.section": "section heading",
    "import.reason.no_title": "no task text",
    "import.bad_deadlines": "{count:# deadline|# deadlines} could not be read (imported without a deadline): {rows}",
    "import.bad_deadline_row": "row {row} “{text}”",
    "import.without_units": "{count:# item has|# items have} no unit at all: {items}",
    "import.indicators": "{count:# numeric indicator|# numeric indicators} ({binding} binding, {expected} expected), for example {examples}",
    "import.indicator": "{title}: {baseline} → {target}{unit}",
    "import.and_more": " and {count} more",
    "import.confirm": "Import it?",
    "import.nothing": "The table matches what is stored; nothing to import.",
    "import.done": "Imported: {created} new, {updated} updated; {units:# unit|# units} and {reports:# progress entry|# progress entries} created.",
    "import.error.too_large": "The file is too large (10 MB at most). Remove unrelated sheets or pictures and retry.",
    "import.error.not_spreadsheet": "This is not a readable table. Save it as .xlsx, .xls, .docx or .csv and send it again (an old Word .doc: save it as .docx).",
    "import.error.no_header": "No header row found. The table needs columns such as: No., Task, Lead units, Responsible units, Deadline.",
    "import.error.empty": "The table is empty.",
    "group.set": "This group ({title}) now receives the digest, every {weekday} at {time}.",
    "group.need_group": "Send /setgroup inside the supervisors' group chat.",
    "digest.no_group": "No digest group is set (send /setgroup in the group); here is the digest for you:",
    "digest.posted": "Digest posted to the digest group ({parts:one message|# messages}).",
    "remind.title": "<b>[Reminder] {unit}</b>",
    "remind.intro": "{count:This item needs|These # items need} your attention:",
    "remind.deadline": "due {deadline}{left}",
    "remind.report": "please report progress for {period}",
    "remind.footer": "Tap a button below to report, or reply to this message.",
    "remind.button": "Report #{number}",
    "remind.result": "Reminders sent to {units:# unit|# units} about {items:# item|# items}.",
    "remind.nothing": "Nothing is due (reminders already sent this period are not sent again).",
    "remind.no_contact": "These units have no contact bound, so their reminders could not be delivered: {units}",
    "remind.unit_unknown": "No unit called “{name}”.",
    "period.month": "{month:month} {year}",
    "period.quarter": "Q{quarter} {year}",
    "period.week": "week {week} of {year}",
    "report.choose": "Which item are you reporting on?",
    "report.no_items": "Your unit has no items to report on.",
    "report.ask_text": (
        "Reporting on <b>#{number} {title}</b>\nIn one message, what was done this period (you may include “80% done”)? "
        "/cancel at any time."
    ),
    "report.ask_value": "This item is an indicator (target {target}{unit}). What is its value now? Send a number.",
    "report.bad_value": "Please send a number, e.g. 85.5.",
    "report.ask_percent": "How far along is it? Tap or type a number (0–100).",
    "report.bad_percent": "Please type a number from 0 to 100, or tap a button.",
    "report.ask_status": "How is it going?",
    "report.ask_problems": "Problems and suggestions? Tap “None” if there are none.",
    "report.no_problems": "None",
    "report.ask_evidence": "Send photos or files as evidence if you have any. When done (or if none), tap “Submit”.",
    "report.evidence_received": "{count:One file|# files} received. Send more, or tap “Submit”.",
    "report.submit": "📤 Submit",
    "report.empty_text": "Please describe what was done in a text message.",
    "report.text_expected": "Please send text.",
    "report.saved": "✅ Report saved (no. {id}):",
    "report.record": (
        "<b>#{number} {title}</b>\nUnit: {unit}\nPeriod: {period}\nTime: {when}\n"
        "Done: {text}\nProgress: {percent}\nStatus: {status}\nProblems: {problems}\nEvidence: {evidence:none|# file|# files}"
    ),
    "report.percent_unknown": "not given",
    "report.from_reply_many": "Got it. Which item is this progress about?",
    "mine.title": "Items of <b>{unit}</b> ({count}):",
    "status.title": "<b>Overall progress</b> (as of {date})",
    "slow.title": "<b>Slow items</b> ({count})",
    "slow.none": "No item is slow.",
    "overdue.title": "<b>Overdue items</b> ({count})",
    "overdue.none": "No item is overdue.",
    "missing.title": "<b>Units that have not reported this period</b> ({count})",
    "missing.none": "Every unit has reported this period.",
    "missing.line": "{unit}: {count:# item|# items} ({numbers})",
    "digest.title": "<b>Progress digest on the key tasks</b> (as of {date})",
    "digest.title_list": "<b>{name}: progress digest</b> (as of {date})",
    "digest.part1": "<b>1. Overall</b>",
    "digest.total": (
        "{total:# item|# items}: {ahead} done ahead of time, {good} going well, {average} average or hard to assess, "
        "{slow} slow."
    ),
    "digest.part2": "<b>2. By domain</b>",
    "digest.domain": "({index}) {domain}: {count:# item|# items} — {parts}",
    "digest.domain_part": "{count} {status}",
    "digest.no_domain": "No domain",
    "digest.part3": "<b>3. Slow and overdue items</b>",
    "digest.slow_item": "{index}. #{number} {title} (lead: {lead}; responsible: {responsible}){detail}",
    "digest.detail_overdue": ", {days:# day|# days} overdue",
    "digest.detail_progress": ", {percent}% done vs {time_progress}% of the time used",
    "digest.detail_declared": ", assessed as slow",
    "digest.part3_none": "None.",
    "digest.part4": "<b>4. Units that have not reported this period</b>",
    "digest.part4_none": "Every unit has reported.",
    "digest.unreachable": "<b>Contacts that cannot be reached</b> (blocked the bot or left; admins, invite others): {units}",
    "digest.legend": "□ done ahead of time · ★ going well · — average or hard to assess · ▲ slow",
    # a digest longer than DIGEST_MAX_MESSAGES messages
    "digest.capped": "… The digest is long: these are its first {messages} messages; {lines} more lines (in {sections} sections) are left out here. The complete digest is in the file below.",
    "digest.file_name": "digest-{date}.txt",
    "export.months": "January–{month:month}",
    "export.months_first": "January",
    "export.title": "Progress on the key tasks of {year}, {months}",
    "export.sheet": "Progress",
    "export.col.number": "No.",
    "export.col.domain": "Domain",
    "export.col.title": "Task for the year",
    "export.col.investment": "Investment\n(10k yuan)",
    "export.col.deadline": "Deadline",
    "export.col.lead": "Lead unit",
    "export.col.responsible": "Responsible units",
    "export.col.progress": "Progress, {months}",
    "export.col.problems": "Problems",
    "export.col.status": "Status",
    "export.total": "Total ({count})",
    "export.legend": "Status: □ done ahead of time, ★ going well, — average or hard to assess, ▲ slow.",
    "export.indicator": "Now {current}{unit} (baseline {baseline}{unit}, target {target}{unit}): {percent}% of the way",
    "export.filename": "progress-{period}.xlsx",
    "export.caption": "{title}: {count:# item|# items}.",
    "export.bad_period": "“{text}” is not a month I understand. Usage: /export [2021-07 or 7月]; empty for this month.",
    "export.empty": "There are no items yet, so nothing to export.",
    "export.saved": "Exported {count:# item|# items}: {path}",
    "chart.title": "Progress by domain, as of {day} {month:month} {year}",
    "chart.axis": "Items",
    "chart.empty": "There are no items yet, so there is nothing to chart.",
    "cmd.export": "Export the progress table", "cmd.chart": "Progress chart",
    "weekday.1": "Monday", "weekday.2": "Tuesday", "weekday.3": "Wednesday", "weekday.4": "Thursday",
    "weekday.5": "Friday", "weekday.6": "Saturday", "weekday.7": "Sunday",
    "cmd.start": "Start", "cmd.help": "Help", "cmd.report": "Report progress", "cmd.mine": "My unit's items",
    "cmd.item": "Item card", "cmd.lang": "Language", "cmd.cancel": "Cancel",
    "cmd.status": "Overall progress", "cmd.slow": "Slow items", "cmd.overdue": "Overdue items",
    "cmd.missing": "Units not reported", "cmd.unit_add": "Add unit", "cmd.units": "Units",
    "cmd.invite": "Invite a contact", "cmd.add": "Add item", "cmd.items": "Items", "cmd.edit": "Edit item",
    "cmd.archive": "Archive item", "cmd.unarchive": "Restore item", "cmd.remind": "Remind now", "cmd.import": "Import the task table", "cmd.snooze": "Snooze reminders",
    "cmd.holiday": "Holiday overrides", "cmd.schedule": "Sending plan", "cmd.outbox": "Outbox",
    "cmd.digest": "Digest now", "cmd.setgroup": "Make this the digest group",
    "dialogue.busy": "You are in the middle of {dialogue}. Finish it, or send /cancel, then try again.",
    "dialogue.report": "a progress report",
    "dialogue.add": "adding an item",
    "dialogue.extend": "an extension request",
    "dialogue.decide": "deciding an extension request",
    "dialogue.send_back": "returning a report",
    "dialogue.revise": "correcting a report",
    "date.short": "{day} {month:mon}",
    "ack.button": "✅ Received",
    "ack.recorded": "Acknowledged, thank you.",
    "ack.already": "You have already acknowledged this reminder.",
    "ack.not_yours": "This reminder was not sent to you; you cannot acknowledge it for someone else.",
    "ack.unknown": "This reminder is no longer valid.",
    "remind.resend.1": "<b>(Reminder again: the last one has not been acknowledged; please tap “Received”)</b>",
    "remind.resend.2": "<b>(Your unit's contacts have not acknowledged this reminder; please see to it and tap “Received”)</b>",
    "remind.stand_in": "({names} is away; you receive this on their behalf)",
    "unread.title": "<b>Units that have not acknowledged their latest reminder</b> ({count} of {total})",
    "unread.line": "{unit}: sent {when} to {people}; {stage}",
    "unread.stage.0": "not sent again yet",
    "unread.stage.1": "sent again",
    "unread.stage.2": "passed to the unit's other contacts",
    "unread.none": "{count:The one unit reminded has|All # units have} acknowledged the latest reminder.",
    "unread.no_rounds": "No reminders were sent in the last {days:day|# days}.",
    "invite.created_backup": (
        "<b>Backup contact</b> invite link for <b>{unit}</b> (single use, valid until {until}):\n{link}\n\n"
        "A backup contact gets reminders only when nobody acknowledged them, and can stand in for a colleague on leave."
    ),
    "ext.button": "⏳ Ask for an extension",
    "ext.choose": "Which item do you need more time for?",
    "ext.not_your_item": "Item #{number} does not belong to your unit; you cannot ask for its extension.",
    "ext.pending": "Item #{number} already has an extension request waiting for a decision (sent {when}, until {deadline}); you cannot ask again before it is decided.",
    "ext.pending_now": "Someone has just asked for an extension of item #{number}; it waits for a decision, so yours was not sent.",
    "ext.ask_deadline": (
        "Extension for <b>#{number} {title}</b>\nCurrent deadline: {current}\n"
        "What should the new deadline be (e.g. 2021.12, end of November, 31 December)? /cancel at any time."
    ),
    "ext.bad_deadline": "Cannot read the deadline “{text}”. Write it like 2021.12, end of November or 2021-12-31.",
    "ext.not_later": "The new deadline {deadline} is not after the current one, {current}; no extension is needed. Please type another.",
    "ext.past": "{deadline} has passed; please give a date in the future.",
    "ext.ask_reason": "New deadline understood as: <b>{deadline}</b> (if wrong, send /cancel and start again)\nIn one message, why is more time needed?",
    "ext.preview": "Please confirm the extension request:\n<b>#{number} {title}</b>\nCurrent deadline: {current}\nRequested: {deadline}\nReason: {reason}",
    "ext.submitted": "✅ Your request to extend #{number} to {deadline} was sent to the admins; you will be told the decision.",
    "ext.admin_request": (
        "<b>[Extension request]</b> #{number} {title}\nUnit: {unit} ({person})\nCurrent deadline: {original}\n"
        "Requested: {deadline} (written “{text}”)\nReason: {reason}"
    ),
    "ext.approve": "✅ Approve",
    "ext.refuse": "✖ Refuse",
    "adj.approve": "✅ Approve the change", "adj.refuse": "✖ Refuse",
    "ext.verdict_approve": "Approving",
    "ext.verdict_refuse": "Refusing",
    "ext.ask_comment": "{verdict} the extension of #{number} to {deadline}.\nSend a comment for the requester in one message, or tap “No comment”.",
    "ext.no_comment": "No comment",
    "ext.already": "This request was already {outcome} ({person}).",
    "ext.status.approved": "approved",
    "ext.status.refused": "refused",
    "ext.status.pending": "pending",
    "ext.an_admin": "an admin",
    "ext.decided_approved": "Approved: #{number} is now due {deadline}; the requester was told.",
    "ext.decided_refused": "Refused: #{number} keeps its deadline (asked for {deadline}); the requester was told.",
    "ext.decide_cancelled": "Cancelled; the request still waits for a decision.",
    "ext.decide_timeout": "Timed out; the request still waits for a decision.",
    "ext.comment": "\nComment: {comment}",
    "ext.approved_notice": "✅ Your extension of #{number} {title} was approved: now due {deadline}, first due {original}.{comment}",
    "ext.refused_notice": "Your request to extend #{number} {title} to {deadline} was refused; the deadline stays.{comment}",
    "extension.note": "extended to {deadline}, first due {original}",
    "extension.note_open": "extended to {deadline} (no deadline before)",
    "item.extended": "Extension: {note}",
    "item.extension_pending": "Extension requested, waiting for a decision: until {deadline} (reason: {reason})",
    "sb.button": "↩️ Return the latest report",
    "sb.usage": "/sendback n [reason] (return the item's latest report)",
    "sb.nothing": "No unit has reported on #{number} yet; there is nothing to return.",
    "sb.not_unit_report": "This is the office's imported assessment, not a unit's report; it cannot be returned.",
    "sb.already": "This report has already been returned.",
    "sb.not_latest": "The unit has reported on #{number} again since; only its latest report can be returned.",
    "sb.ask_reason": "Returning the report of #{number} by {unit} of {when}.\nIn one message, why (the contact will be told)? /cancel at any time.",
    "sb.ask_reason_group": "Returning the report of #{number} by {unit} of {when}.\n<b>Reply to this message</b> with the reason (the contact will be told). /cancel to stop.",
    "sb.empty_reason": "Please give a reason.",
    "sb.preview": (
        "Please confirm returning:\n<b>#{number} {title}</b>\nreport by {unit} of {when}\nReason: {reason}\n"
        "The unit then counts as not reported this period and is asked to report again."
    ),
    "sb.done": "✅ Returned the report of #{number} by {unit}; the unit was asked to report again and counts as not reported.",
    "sb.notice": (
        "<b>[Returned — please report again]</b> #{number} {title}\nYour unit's report of {when} was returned by {person}.\n"
        "Reason: {reason}\nPlease report this period's progress again (until then it counts as not reported)."
    ),
    "item.history_returned": "   ↩️ Returned ({when}, {person}): {reason}",
    "item.history_edited": "   (corrected: now version {version}, {when})",
    "item.history_version": "   Version {version} ({when}): {status}{percent}, {text}; problems: {problems}",
    "rv.button": "✏️ Correct the report",
    "rv.hint": "To correct it within {hours:# hour|# hours}, tap the button below or send /revise {number}.",
    "rv.usage": "/revise n (correct your unit's latest report on item n)",
    "rv.nothing": "Your unit has not reported on #{number} yet; report with /report {number}.",
    "rv.not_yours": "This report on #{number} is not your unit's; you cannot correct it.",
    "rv.returned": "This report was returned and cannot be corrected. Please report again: /report {number}",
    "rv.not_latest": "Your unit has reported on #{number} again since; only the latest report can be corrected.",
    "rv.window_passed": "This report ({when}) is more than {hours:# hour|# hours} old and can no longer be corrected. Please report again: /report {number}",
    "rv.choose": "Correcting the report on <b>#{number} {title}</b> (possible until {until}):\n{current}\nWhat needs correcting?",
    "rv.current": "Done: {text}\nProgress: {percent}\nStatus: {status}\nProblems: {problems}",
    "rv.field.text": "What was done",
    "rv.field.percent": "Progress",
    "rv.field.value": "Current value",
    "rv.field.status": "Status",
    "rv.field.problems": "Problems",
    "rv.ask_text": "Send the corrected description of what was done, in one message.",
    "rv.ask_problems": "Send the corrected problems and suggestions, in one message.",
    "rv.ask_value": "Send the corrected current value (target {target}).",
    "rv.preview": "Please confirm correcting the {field} of #{number}:\nOld: {old}\nNew: {new}",
    "rv.saved": "✅ Corrected the report on #{number} (now version {version}; the earlier one is kept):",
    "colour.green": "green",
    "colour.yellow": "yellow",
    "colour.red": "red",
    "colour.month": "{month:mon}{dot}",
    "item.colour": "Warning: {dot} {colour}{detail}",
    "item.colour_months": "By month: {months}",
    "warning.overdue": "{days:# day|# days} overdue",
    "warning.progress": "{percent}% done vs {time_progress}% of the time used",
    "warning.missed": "{count:one report missed|# reports missed in a row}",
    "warning.sep": "; ",
    "digest.colours": "Warnings: 🔴 red {red}, 🟡 yellow {yellow}, 🟢 green {green}.",
    "digest.comma": ", ",
    "digest.part5": "<b>5. Items with warnings</b> (red first)",
    "digest.part5_none": "No red or yellow items.",
    "digest.more_warnings": "… and {red} more red, {yellow} more yellow; send /items red or /items yellow for all.",
    "digest.warning_item": "{index}. {dot} #{number} {title} (lead: {lead}; responsible: {responsible}){detail}",
    "digest.part6": "<b>6. Extensions</b>",
    "digest.part6_none": "None.",
    "digest.extension_item": "#{number} {title}: {note}",
    "digest.part7": "<b>7. Reminders acknowledged</b> (last {days:day|# days}; acknowledged/sent)",
    "digest.part7_none": "No reminders were sent lately.",
    "digest.ack_total": "{rounds:# reminder round|# reminder rounds} to {units:# unit|# units}, {acked} acknowledged:",
    "digest.ack_unit": "{unit} {acked}/{rounds}",
    "digest.part8": "<b>8. Last month's ranking of units</b>",
    "ranking.title": "<b>Ranking of units, {month:month} {year}</b>",
    "ranking.so_far": "(this month up to {date}; the month's end decides)",
    "ranking.empty": "No unit to rank for that month.",
    "ranking.bad_month": "“{text}” is neither a month nor a unit I know. Usage: /ranking [list code] [2021-07, 7月 or this month], empty for last month (of the list's assessment year); /ranking unit name for that unit's points ledger.",
    "ranking.not_started": "The assessment year of {name}, {year}, has not begun: nothing to rank yet.",
    "away.usage": "Usage: /away from to (e.g. /away 2021-08-01 2021-08-10, /away next week); admins: /away unit when",
    "away.bad_period": "Cannot read the leave “{text}”. E.g. /away 2021-08-01 2021-08-10, /away next week.",
    "away.span": "{start} to {end}",
    "away.not_your_unit": "{unit} is not your unit; leave for other units is for admins only.",
    "away.admin_needs_unit": "To register a contact's leave, name the unit, e.g. /away 区住建局 next week",
    "away.choose_unit": "Away {span}: as a contact of which unit?",
    "away.choose_contact": "Who is away {span}?",
    "away.choose_stand_in": "{person} is away {span}. Who stands in (gets the reminders meanwhile)?",
    "away.no_contacts": "This unit has no contacts yet.",
    "away.no_colleague": "Your unit has no other contact who could stand in. Ask an admin to /invite unit backup a colleague first.",
    "away.bad_stand_in": "A stand-in must be another contact of the same unit; nothing saved. Please /away again.",
    "away.saved": "✅ Saved: {person} is away {span}; meanwhile the reminders of {unit} go to {deputy}, and {person} gets none.",
    "away.replaced": "(replaces {count:an earlier leave|# earlier leaves} in that time)",
    "away.stand_in_notice": "{person} is away {span}; meanwhile you receive and answer the reminders of {unit}.",
    "away.contact_notice": "An admin registered your leave: {span}. Meanwhile the reminders of {unit} go to {deputy}; you get none.",
    "away.end_button": "End the leave",
    "away.end_n": "End no. {index}",
    "away.ended": "Leave ({start}–{end}) ended; reminders go to the contact again.",
    "away.already_ended": "That leave has already ended or was cancelled.",
    "away.not_yours": "Only the contact, the stand-in or an admin can end this leave.",
    "away.none": "No leave is registered.",
    "away.list_title": "<b>Leave and stand-ins</b> ({count})",
    "away.line": "{index}. {person} ({unit}) {start}–{end}, stand-in: {deputy}",
    "history.usage": "/history unit|n [from to | month] (e.g. /history 区住建局 2021-07-01 2021-07-31, /history #12 7月)",
    "history.bad_range": "Cannot read the period “{text}”. Usage: /history unit|n from to (or a month).",
    "history.unknown": "No unit or item “{text}”. Similar units: {suggest}",
    "history.not_yours": "That unit or item does not belong to your unit; you can only see your own unit's reports.",
    "history.span": "{start} to {end}",
    "history.none": "No reports from {subject} in {span}.",
    "history.title": "<b>Reports: {subject}</b> ({span}, {count})",
    "history.line": "{index}. {when} #{number} {unit} {reporter}: {status}{percent}, {text}{state}",
    "history.office": "Office (imported)",
    "history.returned": "returned ({when}: {reason})",
    "history.edited": "corrected {count:once|# times}, last {when}",
    "history.more": "… {count} in all; the full list is in the table below.",
    "history.caption": "Reports: {subject}, {count} in all.",
    "history.filename": "reports-{start}-{end}.xlsx",
    "history.sheet": "Reports",
    "history.col.when": "Sent",
    "history.col.number": "No.",
    "history.col.title": "Item",
    "history.col.unit": "Unit",
    "history.col.reporter": "Reporter",
    "history.col.period": "Period",
    "history.col.text": "Done",
    "history.col.percent": "Progress (%)",
    "history.col.status": "Status",
    "history.col.problems": "Problems",
    "history.col.evidence": "Evidence",
    "history.col.state": "Returned / corrected",
    "refuse.away": "You are not bound to a unit, so you cannot register leave. Only admins register it for others.",
    "refuse.contact_extend": "You are not bound to a unit, so you cannot ask for an extension. Ask your admin for an invite link.",
    "refuse.contact_history": "You are not bound to a unit. Reports are for admins, supervisors and the units' contacts only.",
    "refuse.send_back": "Returning a report is for admins and supervisors only.",
    "cmd.revise": "Correct a report", "cmd.extend": "Ask for an extension", "cmd.away": "Leave and stand-ins",
    "cmd.history": "Reports by period", "cmd.sendback": "Return a report", "cmd.ranking": "Ranking of units",
    "cmd.unread": "Unacknowledged reminders",
    # ---- tables: import period and units
    "import.period": "Progress and statuses from the table will be filed under {period} (the table says “{text}”).",
    "import.period_none": "The table does not say which period its progress covers, so it will be filed under {period}, the month of the import.",
    "import.unit_name": "「{name}」",
    "import.near_units": "{count} possible duplicate units (if a pair is one unit, tap its button below; the other name is kept as an alias): {pairs}",
    "import.near_pair": "{name} and {other} ({reason})",
    "import.near.alias": "only the part in brackets differs",
    "import.near.typo": "one character differs",
    "import.near.short": "perhaps an abbreviation",
    "import.near.existing": "the second is an existing unit",
    "import.merged_units": "Treated as one unit: {pairs}",
    "import.merged_pair": "{merged} → {kept}",
    "import.merge_button": "Merge {merged} → {kept}",
    "import.merge_done": "Merged: {merged} becomes an alias of {kept}.",
    "import.merge_stale": "This button has expired; the preview is unchanged.",
    # ---- core: units of work, button data, drafts
    "db.unavailable": "The database cannot be reached right now, so nothing was saved. Please try again in a little while.",
    "draft.dropped": "Your earlier unfinished draft was dropped.",
    "draft.dropped_item": "Your earlier unfinished draft for #{number} was dropped.",
    "report.already_saved": "This report was already saved (record #{id}); it was not saved again.",
    "ext.already_saved": "This extension request was already sent; it was not sent again.",
    "rv.already_saved": "This correction was already saved; it was not saved again.",
    "snooze.too_late": "A snooze cannot run past {until} (the item's deadline or its next report day).",
    # ---- admin: names, contacts and invites, pages
    "unit.taken": "“{name}” is already the name or an alias of {unit}; no unit was saved.",
    "unit.no_names": "No unit name found. Write the names after the command, one unit a line:\n{usage}",
    "unit.name_too_long": "A unit name or alias is too long (at most {max} characters); no unit was saved.",
    "names.empty": "This cannot be empty; please type it again.",
    "unit.unknown_all": "{lines}",
    "contacts.usage": "/contacts unit name",
    "contacts.title": "<b>Contacts of {unit}</b> ({count})",
    "contacts.none": "{unit} has no contacts yet. Send /invite {unit} for an invite link.",
    "contacts.line": "{index}. {name} — {states}",
    "contacts.bound": "bound on {date}",
    "contacts.backup": "backup contact",
    "contacts.reachable": "reachable",
    "contacts.unreachable": "unreachable (blocked the bot or left)",
    "contacts.away": "on leave until {until}",
    "contacts.invites_title": "<b>Unused invites</b> ({count})",
    "contacts.invite_line": "{index}. made {created}, valid until {until}{backup}",
    "contacts.invite_backup": " (backup contact)",
    "contacts.remove_button": "Remove {name}",
    "contacts.revoke_button": "Revoke invite {index}",
    "contacts.remove_confirm": "Remove <b>{name}</b> from the contacts of <b>{unit}</b>? The unit's reports and receipts are kept.",
    "contacts.revoke_confirm": "Revoke the invite for <b>{unit}</b> made {created}? Its link will no longer work.",
    "contacts.removed": "{name} is no longer a contact of {unit}. The unit's reports and receipts are kept.",
    "contacts.revoked": "The invite is revoked; its link no longer works.",
    "contacts.gone": "That contact is no longer bound to this unit; nothing was changed.",
    "contacts.invite_gone": "That invite has been used, has expired or was revoked; nothing was changed.",
    "contacts.you_were_removed": "You are no longer a contact of {unit}, so this has ended and nothing was saved. Ask an admin if in doubt.",
    "cmd.contacts": "Contacts and invites",
    "pages.marker": "— page {page} of {pages} —",
    "pages.xlsx": "📥 Download .xlsx",
    "pages.expired": "This list has expired; send the command again to see it.",
    # ---- admin: end
    # ---- texts: English demo, deadlines without a year, acknowledgements, chart colours
    "demo.intro": "progress-bot demo: the real bot against a local Bot API simulator; no token, no network.",
    "demo.scene.setup": "Tuesday 20 July 2021, 08:30 — the admin sets the office up",
    "demo.scene.bind": "The contacts open their invite links",
    "demo.scene.remind": (
        "Friday 23 July, 09:00 — daily reminders (the report day, the 25th, is a Sunday, so they come on Friday)"
    ),
    "demo.scene.report": "The contacts report: with a button, or by replying to the reminder",
    "demo.scene.digest": "Monday 26 July, 09:30 — the weekly digest",
    "demo.scene.end": "End of the demo",
    "demo.outro": "To run it for real, put BOT_TOKEN and ADMIN_IDS in .env, then run `progress-bot run` (see README).",
    "deadline.past": "\n⚠️ This deadline has already passed (today is {today}). For next year's, write the year, e.g. {example}.",
    "missing.unbound": " (no contact bound)",
    "missing.unbound_hint": "Units marked “no contact bound” get no reminders: admins, send /invite unit name to invite a contact.",
    "report.from_reply": "Reporting on <b>#{number} {title}</b> (your reply to the reminder is taken as what was done)",
    "chart.legend_title": "Colours show the progress status (not the red/yellow/green warnings)",
    "chart.status.ahead": "□ done ahead of time",
    "chart.status.good": "★ going well",
    "chart.status.average": "— average or hard to assess",
    "chart.status.slow": "▲ slow",
    "paren": " ({text})",
    # ---- export: the printed table (page footer, the fiscal-investment column)
    "export.footer": "Page &P of &N",
    "export.col.fiscal_investment": "Of which\nbudget\n(10k yuan)",
    # ---- webapp: the supervisors' dashboard (Mini App)
    "wa.title": "Supervision dashboard", "wa.menu_button": "Dashboard", "wa.open_button": "📋 Open in the dashboard", "wa.loading": "Loading…",
    "wa.nav_home": "Dashboard", "wa.nav_items": "Items", "wa.nav_chart": "Chart by domain", "wa.nav_units": "Ranking of units",
    "wa.nav_export": "Export the progress table",
    "wa.refused_title": "Nothing to show",
    "wa.auth_missing": "Open this page from the bot's Dashboard button in Telegram: no Telegram identity came with it.",
    "wa.auth_forged": "Your identity could not be verified (the signature does not match), so nothing is shown. Open it again from the bot's Dashboard button.",
    "wa.auth_expired": "Your sign-in has expired. Close this page and open it again from the bot's Dashboard button.",
    "wa.not_allowed": "The dashboard is for admins, supervisors and the units' contacts only.",
    "wa.overseers_only": "This page is for admins and supervisors only.",
    "wa.not_your_item": "This item is not your unit's, so you cannot see it.",
    "wa.not_your_unit": "You can only see your own unit.",
    "wa.no_such_item": "There is no such item.", "wa.no_such_unit": "There is no such unit.",
    "wa.no_such_file": "There is no such file.",
    "wa.file_unavailable": "The file could not be fetched from Telegram just now; please try again later.",
    "wa.cross_site": "The request did not come from the dashboard itself; nothing was done.",
    "wa.stale_action": "This action has expired (it was already sent, or the page is old). Reload the page and try again.",
    "wa.bad_period": "Choose the month to export.",
    "wa.error": "Something went wrong; please try again later. Admins can find the cause in the log.",
    "wa.list_name": "Key tasks of the year", "wa.list_count": "{count} items (as of {date})", "wa.years": "Years:",
    "wa.search": "Search", "wa.search_hint": "Number or words of the title", "wa.any": "All",
    "wa.unit": "Unit", "wa.domain": "Domain", "wa.status": "Status", "wa.colour": "Warning colour", "wa.year": "Year",
    "wa.overdue": "Overdue", "wa.unreported": "Not reported this period", "wa.milestones": "Milestones due",
    "wa.apply": "Filter", "wa.reset": "Clear filters", "wa.found": "{count} items found, {size} a page",
    "wa.no_items": "No item matches.", "wa.prev": "Previous", "wa.next": "Next", "wa.page": "Page {page} of {pages}",
    "wa.col_number": "No.", "wa.col_title": "Item", "wa.col_deadline": "Deadline", "wa.col_status": "Status",
    "wa.col_percent": "Done", "wa.col_colour": "Colour",
    "wa.time_progress_short": "time {progress}%", "wa.time_progress": "Time elapsed", "wa.overdue_days": "{days} days overdue",
    "wa.lead": "Lead units", "wa.responsible": "Responsible units", "wa.cycle": "Reporting",
    "wa.months": "Colours month by month, {year}", "wa.month": "{month}",
    "wa.reports": "Reports ({count})", "wa.office": "The office", "wa.problems": "Problems:",
    "wa.photo": "Evidence photo {index}", "wa.file": "Evidence file {index}",
    "wa.version": "Version {version} ({when})", "wa.returned": "↩️ Returned on {when} by {person}: {reason}",
    "wa.send_back_reason": "Why it goes back (the contact will be told)",
    "wa.extensions": "Extension requests", "wa.extension": "{person} asked on {when} to move the deadline to {deadline}: {status}",
    "wa.comment": "Comment: {comment}", "wa.comment_label": "Comment (optional)",
    "wa.unit_items": "The unit's items ({count})", "wa.ranking": "Monthly ranking", "wa.no_ranking": "No ranking for this unit yet.",
    "wa.ranking_of": "Ranking of units, {month}/{year}", "wa.month_of": "{month}/{year}", "wa.month_col": "Month",
    "wa.rank": "Rank", "wa.score": "Score", "wa.on_time_rate": "On time", "wa.on_time": "On time / due", "wa.colours": "Red/yellow/green",
    "wa.chart_alt": "Items per domain, stacked by status",
    "wa.stale": "The record has just changed; this list is being brought up to date and will refresh by itself.",
    "wa.period": "Month", "wa.download": "Download .xlsx", "wa.export_hint": "The progress table covers January to the month chosen.",
    # ---- lists: task lists (清单) and years
    "list.unknown_code": "No list has the code “{code}”. The lists' codes: {codes}",
    "list.ambiguous": "Several lists have an item {number}: {choices}. Name the list, e.g. {example}, or pick the list you work in with /list.",
    "list.title": "<b>Task lists</b> ({count})",
    "list.line": "{mark} {name} ({year}, {kind}, code <code>{code}</code>, {state}, {count:# item|# items})",
    "list.kind_other": "other",
    "list.state.active": "active",
    "list.state.closed": "closed",
    "list.current": "This chat works in <b>{name}</b>.",
    "list.no_current": "This chat has not picked a list yet: with several lists, pick one below.",
    "list.hint": "Tap a button to switch lists; a code before the number names another list's item, e.g. /item 民生12.",
    "list.none": "There are no lists yet. Adding an item or importing a table makes the first one.",
    "list.picked": "This chat now works in <b>{name}</b> (code {code}): #number means that list's item.",
    "list.new_usage": "/list new name [year] [code], e.g. /list new 2022年民生实事 民生22",
    "list.name_is_year": "“{name}” is a year, not a list's name: e.g. /list new 2022年民生实事 民生22",
    "list.year_needed": "The name “{name}” has no year in it; give the assessment year, e.g. /list new {name} 2022",
    "list.bad_code": "The code “{code}” cannot be used: it may not start with a digit, holds no space or #, and is at most 10 characters.",
    "list.taken": "Another list already has the code “{code}” or the name “{name}”; choose another.",
    "list.created": "New list <b>{name}</b> ({year}, code {code}). Switch to it with /list, or pick it before /add.",
    "list.close_usage": "/list close code, e.g. /list close 重点",
    "list.already_closed": "The list “{name}” is already closed.",
    "list.close_confirm": (
        "Close the list <b>{name}</b> ({count:# item|# items})?\nIts items then get no reminders and take no reports, "
        "edits or extension requests; the whole record is kept and stays visible in /list and the history. "
        "Unfinished items can be carried into next year's list with /carry."
    ),
    "list.closed_done": "The list <b>{name}</b> is closed. Carry its unfinished items into next year's list with /carry {code}.",
    "list.closed": "The list “{name}” is closed: item #{number} can be read but takes no more reports, edits or extension requests.",
    "list.section": "<b>{name}</b>",
    "list.notice_part": "of the {total} {kind} items, {ahead} have met the year's target, {on_track} are on track and {slow} are behind",
    "carry.usage": "/carry code — carry the list's unfinished items into next year's list, e.g. /carry 重点",
    "carry.preview": (
        "From <b>{source}</b> into <b>{target}</b>: {count:# unfinished item|# unfinished items}, {picked} picked.\n"
        "Tap an item to pick or unpick it, then ✅ to confirm; the old items and their record stay as they are."
    ),
    "carry.more": "{count:# more item is|# more items are} not listed; send /carry again afterwards to carry them too.",
    "carry.nothing": "The list “{name}” has no unfinished items to carry over.",
    "carry.none_picked": "No item is picked.",
    "carry.done": "{count:# item|# items} carried into <b>{target}</b> (code {code}):",
    "carry.line": "{old} → {new} {title}",
    "carry.from": "(carried over from {year}) The earlier item: /item {ref}",
    "carry.to": "Carried into {name}: /item {ref}",
    "list.closed_mark": "(its list is closed: read-only)",
    "help.lists": (
        "/list — the task lists (key tasks, livelihood projects …); tap one to make it this chat's list\n"
        "A code before the number names another list's item, e.g. /report 民生12, /item 民生#3\n"
        "With several lists, messages name the list too, e.g. 民生12 (closing, changes, milestones and instructions too)"
    ),
    "help.lists_admin": (
        "/list new name [year] [code] — a new list (e.g. /list new 2022年民生实事 民生22)\n"
        "/list close code — close a list at the year's end (no reminders, read-only, record kept)\n"
        "/carry code — carry unfinished items into next year's list"
    ),
    "cmd.list": "Task lists", "cmd.carry": "Carry over to next year",
    # ---- listimport: import into lists, changes and different tasks in the preview
    "import.period_today": "the month of the import",
    "import.changes": "{count:# change|# changes} to {items:# item|# items}:",
    "import.change": "#{number} {field}: {old} → {new}",
    "import.field.title": "title", "import.field.deadline": "deadline", "import.field.domain": "domain",
    "import.field.lead_units": "lead", "import.field.responsible_units": "responsible",
    "import.more_in_file": "… and {count} more, in the .xlsx that comes with this preview.",
    "import.different": "⚠️ {count:# row is|# rows are} not the task stored under the same number: they will be imported as new items under new numbers, and the stored items keep their reports, extensions and send-backs (if a task was only renamed, tap the button below to merge):",
    "import.different_row": "table #{number} “{title}” ≠ stored #{number} “{existing}” → new #{new_number}",
    "import.different_merged": "⚠️ Chosen: rows whose title differs from the item with their number update that item as the same task (it takes the table's title and keeps its history).",
    "import.merge_different_button": "⇄ Merge as the same tasks ({count})",
    "import.split_different_button": "↩ Back: import different tasks as new items",
    "import.merge_different_done": "Preview updated.",
    "import.done_separate": " {count:# row was|# rows were} another task than the item with the same number and got new numbers.",
    "import.file_changes": "Changes", "import.file_different": "Different tasks",
    "import.col.number": "No.", "import.col.field": "Field", "import.col.old": "Was", "import.col.new": "Becomes",
    "import.col.existing": "Stored item", "import.col.title": "Task in the table", "import.col.new_number": "New number",
    "import.changes_caption": "Import preview: every change and every different task",
    "export.title_kind": "Progress on the {kind} of {year}, {months}",
    "export.kind_livelihood": "livelihood projects",
    "import.into_new": "Goes into a new list “{name}” ({year}); the buttons below rename it, change its year or pick an existing list.",
    "import.into_existing": "Goes into the existing list “{name}” ({year}, code {code}).",
    "import.done_into": " List: {name} (code {code}).",
    "import.list_button": "📋 Into {name}",
    "import.new_list_button": "🆕 New list {name}",
    "import.rename_button": "✏️ New list's name/year",
    "import.ask_list_name": "Send the new list's name and year in one message, e.g. <code>2022年重点工作 2022</code> (with the name alone, the year is the one in the name). /cancel at any time.",
    "import.bad_list_name": "Not understood. Write the list's name and a four-digit year, e.g. <code>2022年重点工作 2022</code>.",
    "import.list_chosen": "Chosen: {name}",
    "import.list_gone": "The list chosen has been closed or no longer exists; nothing was imported. Send /import again.",
    "import.cli_no_list": "no active list has the code or name “{code}”; give --list a list's code (e.g. 民生)",
    "import.cli_year": "--new-list needs --year too, e.g. --new-list 2022年重点工作 --year 2022",
    "import.bad_into": "No active list is called “{text}”, nor can a new list's name and year be read from it. Give an existing list's code (e.g. /import 民生) or a new list's name and year (e.g. /import 2022年重点工作 2022).",
    # ---- dash: the dashboard in the demo
    "demo.dashboard": "The dashboard, signed in as the supervisor 陈主任 (a test identity, good for an hour); open it in a browser:\n{url}",
    "demo.dashboard_wait": "The dashboard stays up while the demo runs; press Enter to end it.",
    # ---- review: 办结 on review, adjustments and cancellations (handlers/closing.py)
    "close.request": (
        "<b>Closing requested</b>: <b>#{number} {title}</b>\n{person} of {unit} reports it done: {text}\n"
        "Confirm it, or send it back with a reason. Until confirmed it does not count as done and its reminders pause."
    ),
    "close.confirm": "✅ Confirm closing",
    "close.refuse": "↩️ Send back",
    "close.asked": "📝 Closing of #{number} requested; the supervisors will review it. Until then its reminders pause and it does not count as done.",
    "close.confirmed": "✅ #{number} closed ({day}); the unit has been told.",
    "close.confirmed_notice": "✅ <b>#{number} {title}</b> is confirmed closed ({day}, {person}).",
    "close.ask_reason": "Sending back the closing of #{number}: in one message, why? (The unit will be told.) Or tap Cancel.",
    "close.refused": "The closing of #{number} was sent back; its reminders resume and the unit has been told.",
    "close.refused_notice": (
        "<b>Closing sent back</b>: <b>#{number} {title}</b> was not confirmed closed ({person}).\nReason: {reason}\n"
        "Please carry on and report as usual; once it is finished, report it done again."
    ),
    "close.empty_reason": "Sending it back needs a reason.",
    "close.empty_note": "Closing an item directly needs a note, for example /close 12 checked on site, finished",
    "close.already": "This closing request has been dealt with already ({outcome}).",
    "close.status.closed": "confirmed closed",
    "close.status.refused": "sent back",
    "close.status.withdrawn": "its report was returned or corrected, so it lapsed",
    "close.status.requested": "awaiting review",
    "close.decide_cancelled": "Cancelled; the closing request still awaits review.",
    "close.usage": "Usage: /close n note, for example /close 12 checked on site, finished",
    "close.preview": "Please confirm closing this item directly:\n<b>#{number} {title}</b>\nNote: {note}",
    "close.done_direct": "✅ #{number} closed ({day}).",
    "close.already_closed": "Item #{number} is closed or cancelled already.",
    "close.card_requested": "📝 Closing requested, awaiting review (since {day})",
    "close.card_closed": "✅ Closed ({day}, {person}){note}",
    "close.card_refused": "↩️ Closing sent back on {day}: {reason}",
    "close.card_cancelled": "🚫 Cancelled (approved, {day})",
    "close.note": ": {note}",
    "digest.closing_pending": "Closing requested for {count:# item|# items}, awaiting review: {numbers}.",
    "digest.cancelled": "Cancelled: {count:# item|# items}: {items}.",
    "digest.cancelled_item": "#{number} {title} (cancellation approved)",
    "adj.button": "🔧 Ask for a change",
    "adj.choose": "Which item do you want changed?",
    "adj.ask_kind": "A change to <b>#{number} {title}</b>: what should change?",
    "adj.kind.title": "title",
    "adj.kind.target": "target",
    "adj.kind.units": "responsible units",
    "adj.kind.cancel": "cancel the item",
    "adj.ask_title": "Current title: {current}\nIn one message, write the new title.",
    "adj.ask_target": "Current target: {current}\nWrite the new target (a number).",
    "adj.ask_units": "Current responsible units: {current}\nWrite the new responsible units (separate several with commas).",
    "adj.not_indicator": "Item #{number} has no numeric target; ask for a change of its title instead.",
    "adj.bad_target": "Cannot read the target “{text}”; write a number such as 95 or 12.5.",
    "adj.same": "That is what it is already; nothing to change. Please type another.",
    "adj.ask_reason": "In one message, why is the change needed?",
    "adj.preview": "Please confirm the request:\n<b>#{number} {title}</b>\n{change}\nReason: {reason}",
    "adj.change": "change the {kind}: {before} → {after}",
    "adj.cancel_change": "cancel the item",
    "adj.submitted": "✅ Your request for #{number} was sent to the admins; you will be told the decision.",
    "adj.admin_request": (
        "<b>Change requested</b>: <b>#{number} {title}</b>\n{person} of {unit} asks to {change}\nReason: {reason}"
    ),
    "adj.approved_notice": "✅ Your request for <b>#{number} {title}</b> was approved: {change}.{comment}",
    "adj.refused_notice": "Your request for <b>#{number} {title}</b> was refused ({change}).{comment}",
    "adj.decided_approved": "The change to #{number} was approved; the requester has been told.",
    "adj.decided_refused": "The change to #{number} was refused; the requester has been told.",
    "adj.already": "This request has been decided already ({outcome}).",
    "adj.status.approved": "approved",
    "adj.status.refused": "refused",
    "adj.status.pending": "awaiting a decision",
    "adj.item_cancelled": "Item #{number} is cancelled and can no longer be changed.",
    "adj.pending": "Item #{number} already has a change request waiting for a decision; you cannot ask again before it is decided.",
    "adj.not_your_item": "Item #{number} does not belong to your unit; you cannot ask for a change to it.",
    "adj.already_saved": "This request was sent already; it was not sent twice.",
    "adj.card_line": "🔧 {when} {change} ({status}) Reason: {reason}",
    "refuse.contact_adjust": "You are not bound to a unit yet, so you cannot ask for a change. Ask an admin for an invite link.",
    "refuse.closing": "Only admins and supervisors review a closing.",
    "dialogue.close_decide": "sending back a closing", "dialogue.adjust": "a change request",
    "cmd.adjust": "Ask for a change or cancellation", "cmd.close": "Close an item",
    "wa.closing": "Closing and changes", "wa.closing_reason": "Reason (needed to send it back; the unit will be told)",
    # ---- milestones: 节点 (/node, import, reminders, colours, the card, reports)
    "cmd.node": "An item's milestones (list, add, tick)",
    "node.usage": (
        "/node n — list the milestones\n/node n [unit: ]when what — add one, e.g. /node 3 6月底前完成设计 or "
        "/node 3 区建管委: 9月底前开工\n/node n done k — mark milestone k done; /node n remove k — remove it"
    ),
    "node.none": "#{number} has no milestones yet. Add one: /node {number} 6月底前完成设计",
    "node.list_title": "Milestones of <b>#{number} {title}</b> ({done} of {count} done):",
    "node.bad_deadline": "Cannot find when the milestone is due in “{text}”. Start with the date, e.g. “6月底前完成设计” or “by 30 September: start works”.",
    "node.no_title": "Please say what the milestone is, e.g. “6月底前完成设计”.",
    "node.unknown": "#{number} has no milestone {position}. Send /node {number} to see them.",
    "node.preview": "Add this milestone to #{number} {title}?\n{position}. {milestone}\ndue {deadline}{unit}",
    "node.preview_unit": "\nResponsible unit: {unit}",
    "node.not_a_unit": "\n(“{name}” is no registered unit, so it stays in the milestone's text; to name a unit, /unit_add it first or write its full name)",
    "node.preview_done": "Mark this milestone of #{number} done?\n{position}. {milestone}",
    "node.preview_remove": "Remove this milestone of #{number}?\n{position}. {milestone}",
    "node.already_done": "That milestone was done on {date}.",
    "node.saved": "Milestone {position} added to #{number}: {milestone} (due {deadline}).",
    "node.ticked": "Milestone {position} of #{number} marked done.",
    "node.removed": "Milestone {position} of #{number} removed.",
    "node.mark_done": "✓ done {date}",
    "node.mark_due": "due {deadline}",
    "node.mark_overdue": "overdue (was due {deadline})",
    "node.line": "{position}. {title} — {mark}{unit}",
    "node.card_title": "Milestones ({done} of {count} done):",
    "node.export": "Milestones: {done} of {count} done",
    "node.import_line": "Milestones: {count} across {items:# item|# items}; reminders will go out before each one.",
    "warning.milestones": "{count:# milestone|# milestones} missed",
    "reason.milestone": "#{number} milestone due in {days:# day|# days}",
    "remind.milestone": "milestone “{title}” due {deadline}{left}",
    "report.ask_milestones": "Which milestones does this report complete? Tap them, then “Done”; if none, tap “Skip”.",
    "report.milestones_done": "Done",
    "report.milestones_skip": "Skip",
    "report.milestones_ticked": "Milestones completed: {titles}",
    "node.stale": "That milestone does not belong to the item of this report; nothing was changed.",
    "wa.milestones_card": "Milestones ({done} of {count} done)",
    # ---- the dashboard's lists (清单) and years, its export of a list, an adjustment decided on the card
    "wa.lists": "Task lists", "wa.list": "List", "wa.list_option": "{name} ({code})", "wa.list_items": "{count:# item|# items}",
    "wa.list_year": "Year {year}", "wa.list_closed": "closed", "wa.list_export": "Export",
    "wa.no_such_list": "No list has that code.", "wa.adjust_pending": "Awaiting a decision:",
    "wa.adjust_approve": "✅ Approve the change", "wa.adjust_refuse": "✖ Refuse",
    # ---- instructions: leaders' instructions (领导批示)
    "ins.usage": (
        "/instruct number — record a leader's instruction step by step; or in one line: /instruct number leader | "
        "date given | text | act by (no date means today; act by may be left out)"
    ),
    "ins.no_units": "Item #{number} has no lead or responsible unit to pass an instruction to. Set its units with /edit first.",
    "ins.ask_leader": "Leader's instruction on <b>#{number} {title}</b>\nWho gave it (e.g. District Mayor Zhang San)? /cancel at any time.",
    "ins.ask_date": "Given by: <b>{leader}</b>\nOn what date (e.g. 5 July, 2021-07-05)? Or tap Today.",
    "ins.today": "Today ({date})",
    "ins.empty": "This cannot be empty; please send it again.",
    "ins.bad_date": "Cannot read the date “{text}”. Write it like 5 July or 2021-07-05.",
    "ins.future_date": "{date} has not come yet; please give today or an earlier day.",
    "ins.ask_text": "Date understood as: <b>{date}</b>\nIn one message, what did the leader write?",
    "ins.ask_act_by": "If the units must act by a date, send it (e.g. end of August, 2021.8.31); otherwise tap No date.",
    "ins.no_act_by": "No date",
    "ins.bad_act_by": "Cannot read the date “{text}”. Write it like end of August or 2021.8.31, or tap No date.",
    "ins.act_by_early": "{date} is before the day the instruction was given; please send another.",
    "ins.act_by_none": "none",
    "ins.act_by_value": "{date} (written “{text}”)",
    "ins.preview": (
        "Please confirm the leader's instruction:\n<b>#{number} {title}</b>\nGiven by: {leader}\nOn: {date}\n"
        "Instruction: {text}\nAct by: {act_by}\nUnits told: {units}"
    ),
    "ins.saved": "✅ The instruction on #{number} is recorded and {units} have been told. Send /instructions to see who has acknowledged and answered.",
    "ins.unreached": "⚠️ {units} have no contact the bot can reach, so they were not told; invite one with /invite.",
    "ins.already_saved": "This instruction was recorded already; nothing was saved twice.",
    "ins.notice": (
        "<b>[Leader's instruction]</b> #{number} {title}\n{leader} ({date}): {text}{act_by}\n"
        "Please tap Received, and answer it in your next report."
    ),
    "ins.notice_act_by": "\nTo be acted on by {date}.",
    "ins.ack_button": "✅ Received",
    "ins.ack.recorded": "Acknowledged, thank you.",
    "ins.ack.already": "Already acknowledged.",
    "ins.ack.not_yours": "This instruction was not sent to your unit, so you cannot acknowledge it.",
    "ins.ack.unknown": "This instruction no longer exists.",
    "ins.quote": "Leader's instruction ({date}, {leader}): {text}{act_by}",
    "ins.act_by_short": " (act by {date})",
    "ins.answer_it": "Please answer it in this report.",
    "ins.ack_it": "Not acknowledged yet: please tap Received under the instruction.",
    "ins.card_title": "<b>Leaders' instructions</b>",
    "ins.unit.answered": "{unit} answered ({date})",
    "ins.unit.acked": "{unit} read it ({date}), no answer yet",
    "ins.unit.waiting": "{unit} not acknowledged",
    "ins.list_title": "<b>Leaders' instructions waiting for an answer</b> ({count})",
    "ins.list_none": "No leader's instruction is waiting for an answer.",
    "ins.remind_title": "<b>Leaders' instructions</b>",
    "dialogue.instruct": "recording a leader's instruction",
    "cmd.instruct": "Record a leader's instruction", "cmd.instructions": "Leaders' instructions: who has answered",
    "wa.instructions": "Leaders' instructions",
    "ins.unit_sep": "; ",
    "demo.scene.instruct": "26 July — the district mayor's instruction: the admin records it, both units get it at once and acknowledge it",
    # ---- ledger: month-on-month (环比) and the points ledger (考核台账)
    "mom.title": "<b>Month on month, {month:month} {year}</b>",
    "mom.so_far": " (this month up to {date})",
    "mom.summary": "Compared with last month: {parts}.",
    "mom.sep": "; ",
    "mom.to_red": "{count:# item|# items} turned red ({names})",
    "mom.red_to_yellow": "{count:# item|# items} went from red to yellow ({names})",
    "mom.green_to_yellow": "{count:# item|# items} went from green to yellow ({names})",
    "mom.to_green": "{count:# item|# items} turned green ({names})",
    "mom.overdue": "{count:# item|# items} newly overdue ({names})",
    "mom.done": "{count:# item|# items} newly done ({names})",
    "mom.reported": "{count:# item|# items} reported on",
    "mom.colours_same": "no item changed colour",
    "mom.more": " and others, {count} in all",
    "digest.part9": "<b>9. Compared with last month</b>",
    "ledger.line": "{rank}. {unit} — {score} points ({points}: {detail})",
    "ledger.count": "{kind} {count}",
    "ledger.nothing": "nothing scored",
    "ledger.kind.on_time": "on time", "ledger.kind.late": "late", "ledger.kind.missing": "missing",
    "ledger.kind.sent_back": "sent back", "ledger.kind.done_on_time": "closed on time",
    "ledger.kind.done_late": "closed late", "ledger.kind.answered": "instruction answered on time",
    "ledger.kind.answered_late": "instruction answered late",
    "ledger.role.lead": "lead", "ledger.role.co": "co-unit",
    "ledger.entry": "{date}  #{number} {title}: {kind} ({role}) {points}",
    "ledger.unit_title": "<b>Points ledger of {unit}, {year}</b>\n{count:# entry|# entries}, {points} in all: {score} points (base {base})",
    "ledger.unit_empty": "Nothing scored in {year} yet.",
    "ledger.method": (
        "Method: a base of {base} points, plus or minus each entry of the period's ledger: a report on time "
        "{on_time}, late {late}, missing {missing}, sent back {sent_back}; an item closed on time {done_on_time}, "
        "late {done_late}; an instruction answered on time {answered}, late {answered_late}. An item's lead units "
        "count ×{lead}, its other responsible units ×{co}. A due day that is a day off moves to the working day "
        "before; a report on the due day is on time; a report sent back costs its own points and the period "
        "counts by the new report. Equal scores share a rank. A unit's entries: /ranking unit name."
    ),
    "wa.ledger": "Points ledger ({year})", "wa.no_ledger": "Nothing scored yet.",
    "wa.ledger_total": "{points} in all: {score} points (base {base}); on time {rate}",
    "wa.entry_date": "Date", "wa.entry_item": "Item", "wa.entry_kind": "For", "wa.entry_role": "Role",
    "wa.entry_points": "Points", "wa.colour_course": "Each item's colour month by month",
    "demo.scene.month": "Monday 2 August, 09:30 — the first notice of the month: last month's ranking (points ledger) and what changed",
    "demo.scene.lists": "A second list: the key tasks of 2021 beside the livelihood projects, each list numbered from 1",
    "demo.scene.year_end": "Tuesday 4 January 2022 — the year's end: a list closed, its unfinished items carried into 2022",
    "ledger.year_title": "<b>Ranking of units, {year} (the year so far)</b>",
    "ledger.sheet": "Points ledger", "ledger.file_title": "Points ledger of {unit}, {year}",
    "ledger.filename": "points-ledger-{unit}-{year}.xlsx",
    "ledger.col.date": "Date", "ledger.col.number": "No.", "ledger.col.title": "Item", "ledger.col.kind": "For",
    "ledger.col.role": "Role", "ledger.col.points": "Points", "ledger.col.total": "Score (base {base})",
}

TEXTS: dict[str, dict[str, str]] = {"zh": ZH, "en": EN}
MARKS = {"ahead": "□", "good": "★", "average": "—", "slow": "▲"}


class _Formatter(Formatter):
    """`str.format` plus two specs the English texts need (see `plural`):
    "{count:# item|# items}" (one|other; "zero|one|other" with three forms, "#" is the number) and
    "{month:month}" / "{month:mon}" (January / Jan)."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if "|" in format_spec:
            return plural(value, *format_spec.split("|"))
        if format_spec in ("month", "mon"):
            name = calendar.month_name[int(value)]
            return name if format_spec == "month" else name[:3]
        return super().format_field(value, format_spec)


_FORMATTER = _Formatter()
_SPECIAL = re.compile(r"\{[^{}:]*:(?:[^{}]*\||mon(?:th)?\})")


@cache
def _special(template: str) -> bool:
    return _SPECIAL.search(template) is not None


def plural(count: Any, *forms: str) -> str:
    """The form for `count` ("one", "other" or "zero", "one", "other"), "#" replaced by the count:
    plural(1, "# day", "# days") → "1 day"; plural(0, "none", "# file", "# files") → "none"."""
    try:
        number = float(count)
    except (TypeError, ValueError):
        number = None
    if len(forms) > 2 and number == 0:
        form = forms[0]
    else:
        form = forms[-2] if number == 1 else forms[-1]
    return form.replace("#", str(count))


def t(lang: str, key: str, **values: Any) -> str:
    """The text `key` in `lang` (falling back to Chinese), with `values` filled in."""
    template = TEXTS.get(lang, ZH).get(key) or ZH[key]
    if not values:
        return template
    if "#{" in template:
        template = _unhash(template, values)
    text = _FORMATTER.format(template, **values) if _special(template) else template.format(**values)
    return _unnest_weekdays(text) if "（周" in text else text


def _unhash(template: str, values: dict[str, Any]) -> str:
    """An item written "#{number}" reads "#12"; given as "民生12" (`db.facts.item_label`, while several lists
    are active) it names its list and stands without the "#". Decided by the value, not its type, so a
    reference kept in a saved dialogue as text reads the same after a restart."""
    for name, value in values.items():
        if isinstance(value, str) and value and shown(value) == value:
            template = template.replace("#{" + name + "}", "{" + name + "}")
    return template


_WEEKDAY_IN_BRACKETS = re.compile(r"（(周[一二三四五六日])）")


def _unnest_weekdays(text: str) -> str:
    """ "（截止 2021年12月31日（周五））" → "（截止 2021年12月31日 周五）": a date's weekday drops its own
    brackets when the date already stands inside brackets."""
    out: list[str] = []
    depth, i = 0, 0
    while i < len(text):
        char = text[i]
        if char == "（":
            inner = _WEEKDAY_IN_BRACKETS.match(text, i)
            if inner and depth:
                out.append(" " + inner[1])
                i = inner.end()
                continue
            depth += 1
        elif char == "）" and depth:
            depth -= 1
        out.append(char)
        i += 1
    return "".join(out)


def esc(value: object) -> str:
    """Escape user or database text for an HTML message."""
    return html.escape(str(value), quote=False)


def join(lang: str, values: list[str]) -> str:
    return t(lang, "list_sep").join(values) if values else t(lang, "none")


_CN_DIGITS = "零一二三四五六七八九"


def cn_index(n: int) -> str:
    """1 → 一, 12 → 十二, 40 → 四十: the numbering of the notice's sections."""
    if n < 10:
        return _CN_DIGITS[n]
    if n >= 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _CN_DIGITS[tens]
    return f"{head}十{_CN_DIGITS[ones] if ones else ''}"


def section_index(lang: str, n: int) -> str:
    return cn_index(n) if lang == "zh" else str(n)


# Telegram allows 4,096 characters after entity parsing; raw HTML is never shorter than
# what it shows, so keeping the raw text under this bound is safe.
MESSAGE_LIMIT = 4000
_HTML_TOKEN = re.compile(r"<[^>]*>|&#?\w+;|[^<&]+|[<&]")


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split an HTML message into parts under `limit`, between lines where possible,
    never inside a tag or an entity, closing and reopening tags around a cut."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        for piece in _split_line(line, limit):
            candidate = f"{current}\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                chunks.append(current)
                current = piece
    if current.strip():
        chunks.append(current)
    return chunks or [text[:limit]]


def _split_line(line: str, limit: int) -> list[str]:
    if len(line) <= limit:
        return [line]
    pieces: list[str] = []
    open_tags: list[tuple[str, str]] = []  # (name, opening tag as written)
    current = ""

    def closing() -> str:
        return "".join(f"</{name}>" for name, _ in reversed(open_tags))

    def cut() -> None:
        nonlocal current
        pieces.append(current + closing())
        current = "".join(tag for _, tag in open_tags)

    for token in _HTML_TOKEN.findall(line):
        is_text = not token.startswith("<") or token == "<"
        if is_text and not token.startswith("&"):
            while token:
                room = limit - len(current) - len(closing())
                if room <= 0:
                    cut()
                    continue
                current, token = current + token[:room], token[room:]
            continue
        if len(current) + len(token) + len(closing()) > limit:
            cut()
        current += token
        if token.startswith("</"):
            name = token[2:-1].strip().lower()
            for i in range(len(open_tags) - 1, -1, -1):
                if open_tags[i][0] == name:
                    del open_tags[i]
                    break
        elif token.startswith("<") and len(token) > 1 and not token.endswith("/>"):
            open_tags.append((token[1:-1].split()[0].lower(), token))
    if current:
        pieces.append(current)
    return pieces
