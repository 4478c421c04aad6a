"""Problem titles by stable code: Chinese by default, English on `Accept-Language: en`."""

from __future__ import annotations

from typing import Final

ZH: Final = "zh"
EN: Final = "en"

PROBLEMS: Final[dict[str, tuple[int, str, str]]] = {
    # code: (status, 中文, English)
    "malformed_json": (400, "请求体不是合法的 JSON", "The request body is not valid JSON"),
    "invalid_query": (400, "查询参数不合法", "A query parameter is invalid"),
    "invalid_cursor": (400, "分页游标无效或已过期", "The pagination cursor is invalid"),
    "idempotency_key_required": (
        400,
        "POST 请求必须携带 Idempotency-Key 请求头",
        "POST requests need an Idempotency-Key header",
    ),
    "idempotency_key_invalid": (
        400,
        "Idempotency-Key 须为 1–255 个可见字符",
        "Idempotency-Key must be 1-255 visible characters",
    ),
    "token_missing": (401, "缺少身份令牌", "A bearer token is required"),
    "token_invalid": (401, "身份令牌无效", "The bearer token is not valid"),
    "token_expired": (401, "身份令牌已过期", "The bearer token has expired"),
    "token_lifetime_exceeded": (
        401,
        "身份令牌有效期超过签发方允许的上限",
        "The bearer token is valid for longer than its issuer allows",
    ),
    "identity_claims_missing": (
        401,
        "身份令牌缺少实名认证信息",
        "The bearer token lacks the verified identity of the applicant",
    ),
    "forbidden": (403, "无权执行此操作", "You are not allowed to do this"),
    "applicant_not_caller": (
        403,
        "申请人须为登录本人（实名认证）；代他人申请请走委托代办",
        "The applicant must be the person logged in; filing for someone else needs an entrustment",
    ),
    "applicant_kind_not_served": (
        403,
        "该事项不面向此类服务对象",
        "The item does not serve this kind of applicant",
    ),
    "assurance_too_low": (
        403,
        "实名认证等级低于该事项要求，请提升认证等级（如人脸识别）后再申请",
        "Your verified identity is weaker than the item requires; verify it further (e.g. face) first",
    ),
    "route_not_found": (404, "接口不存在", "No such endpoint"),
    "not_found": (404, "资源不存在", "Not found"),
    "item_not_found": (404, "事项不存在", "No such item"),
    "item_version_not_found": (404, "事项版本不存在", "No such item version"),
    "province_not_implemented": (404, "该省份未实施此事项", "The item is not implemented in that province"),
    "calendar_year_not_published": (
        404,
        "该年度工作日历尚未发布",
        "The working-day calendar of that year is not published",
    ),
    "method_not_allowed": (405, "不支持该请求方法", "Method not allowed"),
    "conflict": (409, "与当前状态冲突", "Conflicts with the current state"),
    "concurrent_modification": (
        409,
        "数据已被他人修改，请刷新后重试",
        "Modified concurrently; reload and retry",
    ),
    "idempotency_in_progress": (
        409,
        "相同 Idempotency-Key 的请求正在处理中",
        "A request with this Idempotency-Key is in progress",
    ),
    "item_not_active": (409, "事项已取消或下放，不能再变更", "The item is cancelled or delegated"),
    "standard_not_owned": (
        403,
        "事项标准由其发布省份维护，本省只能维护本省实施清单",
        "Only the item's publisher of record may change its standard; add your own implementation instead",
    ),
    "item_code_mismatch": (409, "路径与请求体中的事项编码不一致", "Path and body item codes differ"),
    "item_cancelled": (410, "事项已取消", "The item has been cancelled"),
    "item_delegated": (410, "事项已下放至其他层级办理", "The item has been delegated to another level"),
    "unsupported_media_type": (
        415,
        "请求体须为 application/json",
        "The request body must be application/json",
    ),
    "validation_failed": (422, "请求内容未通过校验", "The request did not pass validation"),
    "authority_code_missing": (
        422,
        "实施清单未写明办理机关编码",
        "An implementation must name the code of the authority that handles the item",
    ),
    "idempotency_key_reused": (
        422,
        "Idempotency-Key 已用于内容不同的请求",
        "The Idempotency-Key was used with a different request",
    ),
    "effective_date_in_past": (422, "生效日期不能早于今天", "The effective date cannot be in the past"),
    "case_not_found": (404, "办件不存在", "No such case"),
    "material_slot_not_found": (404, "该事项没有此材料", "The item has no such material"),
    "file_not_found": (404, "文件不存在或尚未通过校验", "No such verified file"),
    "rectification_not_found": (404, "该办件没有整改记录", "The case has no rectification"),
    "illegal_transition": (
        409,
        "当前状态下不能执行此操作",
        "This act is not allowed in the case's current state",
    ),
    "act_not_yours": (409, "此操作不由您执行", "This act is not yours to perform"),
    "case_out_of_sync": (
        409,
        "办件与合作省份不同步，消息暂不能执行，将自动重试",
        "The case is out of sync with the partner province; the message waits and is retried",
    ),
    "case_not_out_of_sync": (404, "该办件没有待重试的不同步消息", "The case has no message out of sync"),
    "joint_decided_by_parts": (
        409,
        "联办事项由各部分办理结果决定，部分未办结前不能作出决定",
        "A joint case is decided from its parts; it cannot be ended while parts are open",
    ),
    "case_not_editable": (
        409,
        "当前状态下不能修改申请内容",
        "The case cannot be changed in its current state",
    ),
    "province_not_served": (
        409,
        "本网关只受理本省办理的事项，请向办理地网关申请",
        "This gateway takes cases handled in its own province only",
    ),
    "mode_not_supported": (409, "该事项不支持此办理模式", "The item does not support this mode"),
    "too_many_files": (409, "该材料的文件数已达上限", "This material has the most files allowed"),
    "not_yet_accepted": (409, "办件尚未受理", "The case has not been accepted yet"),
    "not_an_immediate_item": (409, "该事项不是即办件", "The item is not an immediate item"),
    "entrustment_not_verified": (
        409,
        "委托尚未核验，不能使用委托人的电子证照或受理",
        "The entrustment is not verified yet: the principal's e-licences and acceptance wait for it",
    ),
    "entrustment_not_needed": (409, "本办件不是委托代办，无需委托", "The case was not filed by an agent"),
    "entrustment_already_verified": (409, "委托已核验", "The entrustment is verified already"),
    "entrustment_document_missing": (
        409,
        "尚未提交经核验的授权委托书",
        "No verified power of attorney (授权委托书) has been given",
    ),
    "already_accepted": (409, "办件已受理，不能再次受理或不予受理", "The case has been accepted already"),
    "pre_review_return_not_across": (
        409,
        "伙伴省份转来的办件不能预审退回，请使用一次性告知补正",
        "A case from a partner province cannot be returned at pre-review: request a supplement instead",
    ),
    "supplement_not_one_time": (
        422,
        "一次性告知：再次补正只能针对补正答复本身的问题",
        "A further supplement request may name only what the previous answer got wrong",
    ),
    "delivery_not_offered": (
        422,
        "该事项不提供此出件方式",
        "The item does not offer this way of delivering its result",
    ),
    "deferred_acceptance_not_allowed": (
        409,
        "该事项不适用容缺受理",
        "The item does not allow deferred acceptance",
    ),
    "deferred_materials_outstanding": (
        409,
        "容缺材料尚未补齐，不能作出准予决定",
        "Deferred materials are still missing",
    ),
    "commitment_not_allowed": (
        409,
        "该事项不适用告知承诺制",
        "The item does not allow approval on commitment",
    ),
    "licence_not_accepted_for_slot": (409, "该材料不接受电子证照", "This material takes no e-licence"),
    "result_not_issued": (409, "办理结果尚未出具", "The result has not been issued"),
    "already_rated": (409, "该办件已评价", "The case has been rated already"),
    "not_yet_rateable": (409, "办件尚未办结，暂不能评价", "The case cannot be rated yet"),
    "rectification_closed": (409, "整改已办结", "The rectification is closed"),
    "form_invalid": (422, "申请表填写有误", "The form data is not valid"),
    "materials_incomplete": (422, "申请材料不齐全", "Required materials are missing or not verified"),
    "supplement_incomplete": (422, "补正材料不齐全", "Not everything the supplement request listed is given"),
    "material_not_deferrable": (422, "该材料不可容缺", "The material cannot be deferred"),
    "upload_not_allowed": (
        422,
        "文件类型或大小不符合要求",
        "File type or size not allowed for this material",
    ),
    "licence_not_usable": (
        422,
        "电子证照不存在、不属于申请人、类型不符或已过期",
        "The e-licence is unknown, not the applicant's, of another type or expired",
    ),
    "result_document_not_ready": (422, "结果文书尚未上传或未通过校验", "The result document is not verified"),
    "calendar_year_mismatch": (422, "路径与请求体中的年份不一致", "Path and body years differ"),
    "unknown_sender": (403, "发送方不在伙伴省份信任列表中", "The sender is not a registered partner"),
    "partner_suspended": (403, "该伙伴省份已被暂停交换", "The partner is suspended"),
    "signature_invalid": (401, "报文签名无效", "The envelope's signature is not valid"),
    "signature_algorithm_refused": (401, "签名算法不被接受", "The signature algorithm is not accepted"),
    "unknown_kid": (401, "签名密钥标识未登记", "The signing key id is not registered for the sender"),
    "signature_malformed": (400, "签名格式错误", "The signature is malformed"),
    "envelope_malformed": (400, "报文信封格式错误", "The envelope is malformed"),
    "envelope_version_unsupported": (400, "报文版本不受支持", "The envelope version is not supported"),
    "message_id_reused": (409, "报文编号已用于其他内容", "The message id was used for other content"),
    "message_not_addressed_here": (422, "报文不是发给本省的", "The message is addressed to another province"),
    "message_stale": (422, "报文已过期，请重新签发", "The message is stale; sign it again"),
    "message_from_the_future": (422, "报文发送时间晚于当前时间", "The message is dated in the future"),
    "payload_digest_mismatch": (422, "报文内容与摘要不符", "The payload does not match its digest"),
    "payload_not_canonical": (
        422,
        "报文内容无法规范化（须为 I-JSON）",
        "The payload has no canonical form (it must be I-JSON)",
    ),
    "message_type_unsupported": (422, "报文类型不受支持", "The message type is not supported"),
    "payload_invalid": (422, "报文内容不符合该类型的模式", "The payload does not match its type's schema"),
    "video_session_not_found": (404, "视频会商不存在", "No such video session"),
    "video_provider_unavailable": (503, "视频服务暂不可用，请稍后重试", "The video service is unavailable"),
    "video_provider_rejected": (422, "视频服务拒绝了请求", "The video service refused the request"),
    "video_session_ended": (409, "视频会商已结束", "The video session has ended"),
    "video_participant_not_yours": (
        403,
        "只能以本人的参会身份加入视频会商",
        "You may join a video session only as your own participant",
    ),
    "video_participant_taken": (
        409,
        "该参会身份已由其他工作人员使用",
        "Another member of staff holds this participant's place",
    ),
    "video_session_held_elsewhere": (
        409,
        "视频会商由另一省份发起，须由发起方结束",
        "The video session is held by the other province, which ends it",
    ),
    "shipment_not_found": (404, "寄递记录不存在", "No such shipment"),
    "consent_missing": (409, "尚未记录服务同意书", "The applicant's consent is not recorded yet"),
    "identity_not_checked": (409, "出件前须核验领取人身份", "The identity must be checked before handover"),
    "binding_code_identity_missing": (
        403,
        "账号未完成实名认证，不能生成绑定码",
        "The account has no verified identity to issue a binding code for",
    ),
    "binding_code_invalid": (
        422,
        "绑定码无效：签名不符、已被改动或格式不对",
        "The binding code is not valid: bad signature, altered or malformed",
    ),
    "binding_code_issuer_unknown": (
        422,
        "绑定码的签发省份不在伙伴名录中或已暂停",
        "The binding code was issued by a province that is not an active partner",
    ),
    "binding_code_expired": (422, "绑定码已过期，请在应用中重新生成", "The binding code has expired"),
    "binding_code_used": (409, "绑定码已使用过", "The binding code has been used already"),
    "binding_code_holder_mismatch": (
        422,
        "绑定码持有人与本办件申请人不一致",
        "The binding code's holder is not the applicant of this case",
    ),
    "app_account_already_bound": (
        409,
        "本办件已关联申请人的应用账号",
        "An app account is linked to this case already",
    ),
    "queue_not_found": (404, "队列不存在", "No such queue"),
    "exchange_record_empty": (404, "本办件没有交换记录", "Nothing was exchanged for this case"),
    "partner_not_found": (404, "伙伴省份未登记", "No such partner"),
    "reveal_not_allowed": (
        403,
        "您无权查看该办件的个人信息明文",
        "You may not reveal this case's personal data",
    ),
    "reveal_rate_limited": (
        429,
        "查看个人信息明文过于频繁，请稍后再试",
        "Too many reveals of personal data; try again later",
    ),
    "public_lookup_rate_limited": (
        429,
        "查询过于频繁，请稍后再试",
        "Too many lookups; try again later",
    ),
    "rating_target_not_applicable": (
        409,
        "该办件没有可评价的窗口服务",
        "The case has no window service to rate",
    ),
    "sms_outbox_not_available": (404, "短信模拟器仅在本地环境提供", "The SMS stand-in exists only locally"),
    "json_too_deep": (400, "请求体嵌套层级过深", "The request body nests too deeply"),
    "payload_too_large": (413, "请求体过大", "The request body is too large"),
    "message_too_large": (413, "交换报文超过大小上限", "The exchange message is over the size limit"),
    "internal_error": (500, "服务内部错误，请稍后重试", "Internal error; please retry later"),
    "service_unavailable": (503, "服务暂不可用，请稍后重试", "Service unavailable; retry later"),
    # 收件告知单 and its print links
    "binary_not_accepted": (
        400,
        "请求须接受该文件类型（Accept: application/pdf 或 */*）",
        "The request must accept the file's type (Accept: application/pdf or */*)",
    ),
    "print_link_invalid": (403, "打印链接无效", "The print link is not valid"),
    "print_link_expired": (
        410,
        "打印链接已过期，请在窗口重新生成",
        "The print link has expired; make a new one",
    ),
    "originals_unaccounted": (
        409,
        "需核验原件的材料尚未在窗口核验原件或登记寄递原件",
        "Required originals are neither checked at the window nor declared as mailed",
    ),
    "consent_file_not_in_case": (
        422,
        "服务同意书文件不在本办件的同意书材料中",
        "The consent file is not a checked file of this case's consent slot",
    ),
    "shipment_already_recorded": (
        409,
        "该寄递单号已登记",
        "A shipment with this carrier and tracking number is recorded already",
    ),
    "shipment_event_out_of_order": (
        409,
        "寄递状态只能向前推进（重复或倒序的状态不予登记）",
        "A shipment's status only moves forward; a repeated or earlier status is not recorded",
    ),
    "original_not_mailed": (404, "该材料的原件未登记寄递", "No original of this material was mailed"),
    "original_already_checked": (409, "该原件已核验", "This original is checked already"),
    "originals_not_arrived": (
        409,
        "寄递的原件尚未签收，不能核验",
        "No shipment of originals has arrived yet to check",
    ),
    "original_not_held": (
        409,
        "该原件已退还或已留存",
        "This original was returned already or is kept by the authority",
    ),
    "originals_not_returned": (
        409,
        "寄递的原件尚未退还或声明留存，不能办结归档",
        "Mailed originals are neither returned nor declared kept: the case cannot be closed yet",
    ),
}

FIELD_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # pydantic / JSON Schema error type: (中文, English)
    "missing": ("必填项缺失", "Field required"),
    "required": ("必填项缺失", "Field required"),
    "extra_forbidden": ("不允许的字段", "Unknown field"),
    "field_not_revealable": ("该字段不是可查看的个人信息", "Not a personal field that can be revealed"),
    "reveal_note_required": ("事由为“其他”时须说明", "A note is required when the purpose is other"),
    "additionalProperties": ("不允许的字段", "Unknown field"),
    "string_too_short": ("内容过短", "Too short"),
    "string_too_long": ("内容过长", "Too long"),
    "minLength": ("内容过短", "Too short"),
    "maxLength": ("内容过长", "Too long"),
    "string_pattern_mismatch": ("格式不正确", "Wrong format"),
    "pattern": ("格式不正确", "Wrong format"),
    "enum": ("取值不在允许范围内", "Not an allowed value"),
    "literal_error": ("取值不在允许范围内", "Not an allowed value"),
    "date_from_datetime_parsing": ("日期格式不正确", "Not a date"),
    "date_parsing": ("日期格式不正确", "Not a date"),
    "int_parsing": ("须为整数", "Must be an integer"),
    "greater_than_equal": ("数值过小", "Too small"),
    "less_than_equal": ("数值过大", "Too large"),
    "too_short": ("项目过少", "Too few entries"),
    "too_long": ("项目过多", "Too many entries"),
    "material_missing": ("缺少此材料", "Material missing"),
    "material_not_verified": ("材料尚未通过校验", "Material not verified yet"),
    "not_deferrable": ("该材料不可容缺", "Cannot be deferred"),
    "unknown_material": ("该事项没有此材料", "Unknown material"),
    "not_verified": ("文件尚未通过校验", "Not verified"),
    "not_in_previous_answer": (
        "不在上次补正清单或补正答复之内",
        "Neither on the previous list nor introduced by the answer",
    ),
    "not_offered_by_item": ("该事项不提供此方式", "Not offered by the item"),
    "id_number_format": ("身份证号码须为 18 位", "ID number must be 18 characters"),
    "id_number_check_digit": ("身份证号码校验位不正确", "ID number check digit is wrong"),
    "id_number_region": ("身份证号码地区码不正确", "ID number region code is wrong"),
    "id_number_birth_date": ("身份证号码出生日期不正确", "ID number birth date is wrong"),
    "phone_format": ("手机号码格式不正确", "Not a mainland mobile number"),
    "name_format": ("姓名格式不正确", "Name format is wrong"),
    "name_length": ("姓名长度不正确", "Name length is wrong"),
    "licence_not_usable": ("电子证照不可用", "E-licence not usable"),
    "calendar_year_mismatch": ("年份不一致", "Years differ"),
    "const": ("取值不正确", "Wrong value"),
    "not_a_partner": ("不能登记为伙伴省份", "Not a possible partner"),
    "https_required": ("须为 https 地址", "Must be an https URL"),
    "jwks_invalid": ("公钥集不合法", "Not a valid JWKS"),
    "format": ("格式不正确", "Wrong format"),
    "minimum": ("数值过小", "Too small"),
    "maximum": ("数值过大", "Too large"),
    "type": ("类型不正确", "Wrong type"),
    "control_character": ("不能包含控制字符", "Must not contain control characters"),
    "int_type": ("须为整数", "Must be an integer"),
    "float_type": ("须为数字", "Must be a number"),
    "bool_type": ("须为布尔值", "Must be true or false"),
    "string_type": ("须为文本", "Must be a string"),
}


def problem_title(code: str, status: int, lang: str) -> str:
    """The title of a problem code; a generic one by status class for codes without their own."""
    entry = PROBLEMS.get(code)
    if entry is None:
        entry = PROBLEMS[
            "internal_error"
            if status >= 500
            else "conflict"
            if status == 409
            else "validation_failed"
            if status == 422
            else "not_found"
            if status == 404
            else "forbidden"
            if status == 403
            else "invalid_query"
        ]
    return entry[2] if lang == EN else entry[1]


def problem_status(code: str) -> int:
    return PROBLEMS[code][0]


def field_message(error_type: str, lang: str, fallback: str) -> str:
    texts = FIELD_MESSAGES.get(error_type)
    if texts is None:
        return fallback
    return texts[1] if lang == EN else texts[0]


def negotiate_language(accept_language: str | None) -> str:
    """Pick zh or en from an Accept-Language header; Chinese unless English is preferred."""
    if not accept_language:
        return ZH
    best, best_q = ZH, -1.0
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in (ZH, EN) and q > best_q:
            best, best_q = primary, q
    return best
