/**
 * The refusals of the exchange routes (spec § 10): a stable `code`, its HTTP status and titles in
 * Chinese (default) and English. The list is the spec's; no other code is answered on these routes.
 */

export const REFUSALS: Record<string, { status: number; zh: string; en: string }> = {
  malformed_json: { status: 400, zh: "请求体不是合法的 JSON", en: "The body is not JSON" },
  unsupported_media_type: { status: 415, zh: "请求体须为 application/json", en: "The body must be application/json" },
  validation_failed: { status: 422, zh: "请求体结构不符合要求", en: "The body does not have the required members" },
  message_too_large: { status: 413, zh: "报文超过大小上限", en: "The message exceeds the size limit" },
  payload_too_large: { status: 413, zh: "请求体超过大小上限", en: "The body exceeds the size limit" },
  json_too_deep: { status: 400, zh: "JSON 嵌套过深", en: "The JSON nests too deep" },
  envelope_malformed: { status: 400, zh: "信封声明无法读取或不完整", en: "The envelope claims are malformed" },
  signature_malformed: { status: 400, zh: "签名格式错误", en: "Not a compact JWS" },
  envelope_version_unsupported: { status: 400, zh: "不支持的信封版本", en: "Unsupported envelope version" },
  signature_algorithm_refused: { status: 401, zh: "签名算法或类型不被接受", en: "Signature algorithm or type refused" },
  unknown_kid: { status: 401, zh: "未登记的签名密钥", en: "Unknown signing key" },
  signature_invalid: { status: 401, zh: "签名验证失败", en: "The signature does not verify" },
  unknown_sender: { status: 403, zh: "发送方不在信任列表中", en: "Unknown sender" },
  partner_suspended: { status: 403, zh: "发送方已被暂停", en: "The partner is suspended" },
  message_id_reused: { status: 409, zh: "报文编号已用于其他内容", en: "The message id was used for another payload" },
  message_not_addressed_here: { status: 422, zh: "报文收件方不是本省", en: "The message is addressed to another province" },
  message_stale: { status: 422, zh: "报文已过时", en: "The message is stale" },
  message_from_the_future: { status: 422, zh: "报文发送时间超前", en: "The message is from the future" },
  payload_not_canonical: { status: 422, zh: "报文内容无规范形式", en: "The payload has no canonical form" },
  payload_digest_mismatch: { status: 422, zh: "报文摘要不符", en: "The payload digest does not match" },
  message_type_unsupported: { status: 422, zh: "不支持的报文类型", en: "Unsupported message type" },
  payload_invalid: { status: 422, zh: "报文内容不符合其模式", en: "The payload does not validate" },
  case_not_found: { status: 404, zh: "办件不存在", en: "Case not found" },
  file_not_found: { status: 404, zh: "文件不存在", en: "File not found" },
};

/** A refusal of the exchange: thrown by a check, answered as problem+json. */
export class Refusal extends Error {
  constructor(readonly code: string) {
    super(code);
    if (!(code in REFUSALS)) throw new Error(`not a refusal code of the spec: ${code}`);
  }

  get status(): number {
    return REFUSALS[this.code]!.status;
  }

  problem(english: boolean): Record<string, unknown> {
    const entry = REFUSALS[this.code]!;
    return {
      type: `https://tongban.gov.cn/problems/${this.code}`,
      title: english ? entry.en : entry.zh,
      status: entry.status,
      code: this.code,
    };
  }
}
