"""The pages' words in Chinese (default) and English (``?lang=en`` switch, kept in a cookie)."""

from __future__ import annotations

from typing import Literal

__all__ = ["JS_KEYS", "Lang", "label", "text"]

Lang = Literal["zh", "en"]

_T: dict[str, tuple[str, str]] = {
    "site": ("告知承诺网上办理", "Pledge-based certification online"),
    "window_site": ("告知承诺窗口办理", "Pledge-based certification at the window"),
    "switch": ("English", "中文"),
    "skip": ("跳到正文", "Skip to content"),
    "logout": ("退出", "Log out"),
    "signed_in_as": ("当前用户", "Signed in as"),
    "role_APPLICANT": ("申请人", "applicant"),
    "role_PROXY": ("代为承诺人", "proxy"),
    "role_WINDOW_CLERK": ("窗口受理人员", "window clerk"),
    "steps": ("办理步骤", "Steps"),
    "step_notice": ("阅读告知书", "Read the notice"),
    "step_choose": ("选择办理方式", "Choose"),
    "step_preview": ("核对承诺书", "Check the pledge"),
    "step_sign": ("认证并签署", "Authenticate and sign"),
    "step_receipt": ("回执", "Receipt"),
    # login
    "login_title": ("登录", "Log in"),
    "login_platform": (
        "请从政务服务平台进入本页面: 平台完成实名登录后会把您带回这里。",
        "Please come here through the government service platform: after you log in "
        "there, it brings you back.",
    ),
    "login_dev": (
        "开发模式: 模拟平台登录 (仅限本机测试, 生产环境由平台完成实名登录)。",
        "Development mode: emulated platform login (local testing only; in production the "
        "platform authenticates you).",
    ),
    "name": ("姓名", "Name"),
    "id_number": ("证件号码", "ID number"),
    "clerk_id": ("工号", "Staff number"),
    "role": ("身份", "Acting as"),
    "login_method": ("平台登录方式", "Platform login method"),
    "login_submit": ("登录", "Log in"),
    # home
    "home_title": ("选择要办理的事项", "Choose a matter"),
    "home_intro": (
        "以下事项可以用告知承诺代替证明材料。选择一项, 阅读告知书后自主决定承诺还是提交证明。",
        "For these matters a pledge can replace a certificate. Choose one, read the notice "
        "and decide freely whether to pledge or to submit the certificate.",
    ),
    "matter": ("事项", "Matter"),
    "proof": ("证明", "Proof"),
    "start": ("办理此事项", "Start"),
    "open_case": ("继续办理已有办件", "Continue an existing case"),
    "case_no": ("办件编号", "Case number"),
    "open": ("打开", "Open"),
    # notice
    "notice_title": ("告知书", "Notice"),
    "notice_intro": (
        "{organ} 依法一次性告知您以下事项。请逐项阅读, 并为每项证明选择办理方式。",
        "{organ} gives you this one-time written notice. Read each item and choose how to "
        "provide each proof.",
    ),
    "notice_no": ("告知书编号", "Notice number"),
    "applicant": ("申请人", "Applicant"),
    "duty": ("证明义务", "Duty"),
    "content": ("证明内容", "What must be true"),
    "legal_basis": ("设定依据", "Legal basis"),
    "liability": ("不实承诺的法律责任", "Liability for a false pledge"),
    "verification": ("核查方式", "How it will be verified"),
    "verification_power": ("核查权力", "Power to verify"),
    "credit": ("信用管理后果", "Credit consequences"),
    "disclosure": ("是否公开", "Publication"),
    "proxy_allowed": ("可否代为承诺", "Proxy allowed"),
    "yes": ("可以", "yes"),
    "no": ("不可以", "no"),
    "choose_legend": ("办理方式: {proof}", "How to provide: {proof}"),
    "mode_PLEDGE": ("以承诺代替证明", "Pledge instead of the certificate"),
    "mode_DOCUMENT": ("提交证明材料", "Submit the certificate"),
    "reason": ("选择提交证明的原因 (可不填)", "Why you submit the certificate (optional)"),
    "save_choice": ("确认选择", "Confirm"),
    "print": ("打印告知书", "Print the notice"),
    # preview
    "preview_title": ("核对承诺书", "Check your pledge"),
    "preview_intro": (
        "以下是您将要签署的承诺书全文, 签署的内容与此完全一致。",
        "This is the full text you are about to sign; what you sign is exactly this.",
    ),
    "pledge_no": ("承诺书编号", "Pledge number"),
    "preview_heading": ("告知承诺书", "Pledge"),
    "pledgor": ("承诺人", "Pledgor"),
    "proxy": ("代为承诺人", "Proxy"),
    "clauses": ("承诺条款", "Clauses"),
    "statement": ("签署声明", "Statement"),
    "agree": (
        "我已阅读告知书全部内容, 确认以上承诺真实, 愿意承担不实承诺的法律责任。",
        "I have read the whole notice, confirm that the pledge is true and accept the "
        "liability for a false pledge.",
    ),
    "to_sign": ("去签署", "Go to signing"),
    # sign
    "sign_title": ("认证并签署", "Authenticate and sign"),
    "sign_intro": (
        "签署在您的设备上完成: 浏览器生成一把只存在于本设备、不能导出的私钥; 实名认证后, "
        "认证机构为这把钥匙签发一张短期事件证书; 再用它签署承诺书。",
        "Signing happens on your device: the browser makes a private key that exists only "
        "here and cannot be exported; after real-name authentication a CA issues a "
        "short-lived event certificate for it; then the pledge is signed with it.",
    ),
    "auth_method": ("实名认证方式", "Real-name authentication"),
    "sign_start": ("开始认证并签署", "Authenticate and sign"),
    "am_FACE_RECOGNITION": ("人脸识别", "Face recognition"),
    "am_SOCIAL_SECURITY_CARD": ("电子社保卡", "Electronic social security card"),
    "am_SMS_CODE": ("短信验证码", "SMS code"),
    "am_UKEY": ("UKey", "UKey"),
    "sms_code": ("短信验证码", "SMS code"),
    "code_submit": ("提交验证码", "Submit the code"),
    "method_CERTIFICATE": ("本人数字证书", "Own certificate"),
    "method_EVENT_CERTIFICATE": ("事件证书 (实名认证后, 密钥在本人设备上)", "Event certificate"),
    "method_PLATFORM_ATTESTED": ("平台作证", "Platform attestation"),
    "method_WINDOW_HANDWRITTEN": ("窗口手写签名", "Handwritten at the window"),
    "s_auth": ("实名认证", "Real-name authentication"),
    "s_key": ("在本设备生成签名密钥", "Key made on this device"),
    "s_cert": ("申领事件证书", "Event certificate"),
    "s_sign": ("签署承诺书", "Sign the pledge"),
    "s_submit": ("提交", "Submit"),
    "pending": ("等待", "waiting"),
    "running": ("进行中", "in progress"),
    "done": ("完成", "done"),
    "failed": ("失败", "failed"),
    "no_webcrypto": (
        "此浏览器不支持安全签名 (WebCrypto)。请更换浏览器, 或到窗口办理。",
        "This browser cannot sign securely (WebCrypto). Use another browser or the window.",
    ),
    # receipt
    "receipt_title": ("回执", "Receipt"),
    "receipt_intro": ("承诺书已签署并提交。", "Your pledge is signed and submitted."),
    "status": ("办件状态", "Case status"),
    "pledge_digest": ("承诺书摘要 (SHA-256)", "Pledge digest (SHA-256)"),
    "signing_method": ("签署方式", "Signing method"),
    "signed_at": ("签署时间", "Signed at"),
    "how_verify": ("如何验证", "How to verify"),
    "how_verify_text": (
        "下载签名文件后, 任何人都可以离线验证: 用 gaozhi verify 检查签名、证书链和签署方式, "
        "并核对上面的摘要。",
        "Download the signed file; anyone can verify it offline with gaozhi verify "
        "(signature, certificate chain, signing method) and compare the digest above.",
    ),
    "download": ("下载签名文件", "Download the signed file"),
    "withdraw": ("撤回承诺", "Withdraw the pledge"),
    # withdraw
    "withdraw_title": ("撤回承诺", "Withdraw the pledge"),
    "withdraw_intro": (
        "核查结论作出前, 您可以说明理由撤回承诺, 改为按原程序提交证明材料。",
        "Before the verification is concluded you may withdraw the pledge with a reason "
        "and submit the certificates instead.",
    ),
    "withdraw_reason": ("撤回理由", "Reason"),
    "withdraw_submit": ("确认撤回", "Withdraw"),
    "withdrawn": ("承诺已撤回。", "The pledge is withdrawn."),
    # proxy
    "auth_title": ("特别授权", "Special authorisation"),
    "auth_intro": (
        "代为承诺须有申请人明确授权代为作出承诺的特别授权书; 一般委托不足以代为承诺。",
        "A proxy needs the applicant's express special authorisation to pledge; a general "
        "power of attorney is not enough.",
    ),
    "grantor_id": ("授权人 (申请人) 证件号码", "Grantor's (applicant's) ID number"),
    "authorization_id": ("授权书编号", "Authorisation number"),
    "valid_from": ("授权起始日期", "Valid from"),
    "valid_to": ("授权截止日期", "Valid to"),
    "express": ("授权书明确授权代为作出告知承诺", "It expressly authorises pledging"),
    "document_ref": ("授权书存档编号", "Archive reference of the authorisation"),
    "auth_submit": ("提交授权", "Submit the authorisation"),
    "auth_signed_hint": (
        "申请人已在网上签署特别授权书的, 填写授权人证件号码与授权书编号即可; 只填写纸质授权书"
        "信息的, 签署承诺书时将因缺少申请人签署的授权书而被拒绝。",
        "If the applicant signed the authorisation online, the grantor's ID number and the "
        "authorisation number suffice; an authorisation only typed in from paper is refused "
        "when you sign, for want of the applicant's signed authorisation.",
    ),
    # the applicant grants a special authorisation
    "grant_link": (
        "委托他人代为承诺 (签署特别授权书)",
        "Authorise a proxy (sign a special authorisation)",
    ),
    "grant_title": ("签署特别授权书", "Sign a special authorisation"),
    "grant_intro": (
        "您可以特别授权他人代您作出告知承诺。授权书须明确授权代为承诺, 写明代为承诺人和有效期; "
        "由您本人实名认证后在本设备上签署, 代为承诺人签署的承诺书须附此授权书才有效。",
        "You may specially authorise someone to pledge for you. The authorisation must "
        "expressly authorise pledging and name the proxy and its validity; you sign it on "
        "this device after real-name authentication, and a proxy's pledge counts only with it.",
    ),
    "proxy_name": ("代为承诺人姓名", "Proxy's name"),
    "proxy_id": ("代为承诺人居民身份证号码", "Proxy's resident ID number"),
    "grant_express": (
        "我明确授权上述代为承诺人代我作出告知承诺 (而非一般委托)",
        "I expressly authorise this proxy to make the pledge for me (not a general power)",
    ),
    "grant_submit": ("核对并签署授权书", "Check and sign the authorisation"),
    "grant_sign_title": ("认证并签署特别授权书", "Authenticate and sign the authorisation"),
    "grant_sign_intro": (
        "请核对授权书内容。签署在您的设备上完成: 浏览器生成一把不能导出的私钥, 实名认证后"
        "由认证机构为其签发短期事件证书, 再用它签署授权书。",
        "Check the authorisation. Signing happens on your device: the browser makes a key "
        "that cannot be exported; after real-name authentication a CA issues a short-lived "
        "event certificate for it, and the authorisation is signed with it.",
    ),
    "grant_heading": ("特别授权书", "Special authorisation"),
    "grantor": ("授权人", "Grantor"),
    "grant_scope": ("授权事项与证明", "Matter and proofs"),
    "grant_validity": ("授权有效期", "Valid"),
    "grant_statement": (
        "本人特别授权上述代为承诺人, 在有效期内就本办件所列证明事项代本人作出告知承诺。",
        "I specially authorise the proxy above to make the pledge for me on the proofs of "
        "this case within the validity period.",
    ),
    "grant_sign_start": ("开始认证并签署授权书", "Authenticate and sign"),
    "s_grant": ("签署授权书", "Sign the authorisation"),
    "grant_done_title": ("特别授权书已签署", "Authorisation signed"),
    "grant_done_intro": (
        "您已签署特别授权书, 它已与办件一同保存。",
        "You signed the special authorisation; it is kept with the case.",
    ),
    "grant_digest": ("授权书签名文件摘要 (SHA-256)", "Signed authorisation digest (SHA-256)"),
    "grant_revoke_title": ("撤销授权", "Revoke the authorisation"),
    "grant_revoke_hint": (
        "代为承诺人凭本授权书签署承诺书之前, 您可以撤销它; 撤销后代为承诺人不能再凭它办理, "
        "该编号也不能再使用。",
        "Until the proxy signs the pledge with it you may revoke it; the proxy can then no "
        "longer act with it, and its number cannot be used again.",
    ),
    "grant_revoke_submit": ("撤销该授权书", "Revoke this authorisation"),
    "grant_revoked_title": ("特别授权书已撤销", "Authorisation revoked"),
    "grant_revoked_intro": (
        "授权书 {auth_id} 已撤销, 代为承诺人不能再凭它代您办理。",
        "Authorisation {auth_id} is revoked; the proxy can no longer act for you with it.",
    ),
    "grant_next": ("下一步", "Next"),
    "grant_next_text": (
        "请代为承诺人以本人身份登录, 打开办件 {case_no}, 填写您的证件号码和授权书编号 "
        "{auth_id}, 即可阅读告知书并代您签署承诺书。",
        "The proxy logs in as themselves, opens case {case_no} and enters your ID number and "
        "the authorisation number {auth_id}; they can then read the notice and sign the "
        "pledge for you.",
    ),
    # window
    "window_home": ("窗口办件", "Window cases"),
    "window_intro": (
        "为到窗口办理的申请人开立办件、打印告知书、采集手写签名并见证。",
        "Open a case for a person at the window, print the notice, capture the handwritten "
        "signature and attest it.",
    ),
    "party_type": ("申请人类别", "Applicant type"),
    "party_CITIZEN": ("公民", "Citizen"),
    "party_LEGAL_PERSON": ("法人", "Legal person"),
    "notice_issued": ("告知日期", "Notice date"),
    "open_notice": ("开立办件并告知", "Open the case and give the notice"),
    "pad_title": ("手写签名", "Handwritten signature"),
    "pad_intro": (
        "请申请人在下方签名区手写签名 (手指、触控笔或鼠标均可)。",
        "Ask the applicant to sign in the box below (finger, stylus or mouse).",
    ),
    "pad_label": ("签名区", "Signature area"),
    "pad_clear": ("重写", "Clear"),
    "attest": (
        "本人已当面核验申请人身份证件原件, 申请人在本人见证下阅读告知书并亲笔签署承诺书。",
        "I checked the applicant's original identity document in person; the applicant "
        "read the notice and signed the pledge by hand in my presence.",
    ),
    "seal_submit": ("见证并加盖机关印章", "Attest and seal"),
    "pad_empty": ("签名区为空, 请先签名。", "The signature area is empty."),
    "error_title": ("无法继续", "Cannot continue"),
    "vm_ONLINE": ("在线核查 (数据共享比对)", "Online (data sharing)"),
    "vm_ON_SITE": ("现场核查", "On site"),
    "vm_ASSISTED": ("协助核查", "With another organ's assistance"),
    "vm_EXEMPT": ("免予核查 (日常监管)", "Exempt (routine supervision)"),
    "st_NOTICE_ISSUED": ("已告知, 待签署", "Notice given, not yet signed"),
    "st_INELIGIBLE": ("不适用告知承诺, 请提交证明", "Not eligible: submit the certificates"),
    "st_DECLINED": ("已选择提交证明", "Certificates chosen"),
    "st_PLEDGED": ("已承诺, 待受理", "Pledged, awaiting acceptance"),
    "st_ACCEPTED": ("已受理, 核查中", "Accepted, being verified"),
    "st_WITHDRAWN": ("已撤回承诺", "Pledge withdrawn"),
    "back": ("返回", "Back"),
}

#: Keys the page scripts need (passed as JSON in a non-executable script element).
JS_KEYS = (
    "pending",
    "running",
    "done",
    "failed",
    "no_webcrypto",
    "pad_empty",
)


def label(prefix: str, value: str, lang: Lang) -> str:
    """The label of an enum value (``st_PLEDGED`` …), or the value itself when unnamed."""
    key = f"{prefix}_{value}"
    return text(key, lang) if key in _T else value


def text(key: str, lang: Lang, **fmt: str) -> str:
    """The text of ``key`` in ``lang`` (the key itself when unknown, so gaps are visible)."""
    pair = _T.get(key)
    if pair is None:
        return key
    s = pair[1] if lang == "en" else pair[0]
    return s.format(**fmt) if fmt else s
