// A Java 17 platform that embeds the pledge module over HTTP, using only the JDK.
//
//   java PledgeClient.java <config.properties>
//
// It authenticates with gaozhi-hmac-sm3-v1 (SM3 and HMAC-SM3 implemented below: the JDK has
// no SM3), issues a notice, records the applicant's choice on the applicant's behalf, signs
// the pledge in three steps with the applicant's own P-256 key from a PKCS#12 keystore
// (the key never leaves this process), has the clerk accept the case and the inspector
// record the on-site verification, then saves the pledge bundle for offline verification.
import java.io.FileInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class PledgeClient {

    // ---- SM3 (GB/T 32905-2016) ------------------------------------------------------------
    static final int[] IV = {0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600,
                             0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e};

    static int p0(int x) { return x ^ Integer.rotateLeft(x, 9) ^ Integer.rotateLeft(x, 17); }
    static int p1(int x) { return x ^ Integer.rotateLeft(x, 15) ^ Integer.rotateLeft(x, 23); }

    static byte[] sm3(byte[] msg) {
        long bits = (long) msg.length * 8;
        int padded = ((msg.length + 9 + 63) / 64) * 64;
        byte[] m = new byte[padded];
        System.arraycopy(msg, 0, m, 0, msg.length);
        m[msg.length] = (byte) 0x80;
        for (int i = 0; i < 8; i++) m[padded - 1 - i] = (byte) (bits >>> (8 * i));
        int[] v = IV.clone();
        int[] w = new int[68];
        int[] w1 = new int[64];
        for (int off = 0; off < padded; off += 64) {
            for (int j = 0; j < 16; j++) {
                int b = off + 4 * j;
                w[j] = ((m[b] & 0xff) << 24) | ((m[b + 1] & 0xff) << 16)
                        | ((m[b + 2] & 0xff) << 8) | (m[b + 3] & 0xff);
            }
            for (int j = 16; j < 68; j++) {
                w[j] = p1(w[j - 16] ^ w[j - 9] ^ Integer.rotateLeft(w[j - 3], 15))
                        ^ Integer.rotateLeft(w[j - 13], 7) ^ w[j - 6];
            }
            for (int j = 0; j < 64; j++) w1[j] = w[j] ^ w[j + 4];
            int a = v[0], b = v[1], c = v[2], d = v[3], e = v[4], f = v[5], g = v[6], h = v[7];
            for (int j = 0; j < 64; j++) {
                int t = j < 16 ? 0x79cc4519 : 0x7a879d8a;
                int ss1 = Integer.rotateLeft(Integer.rotateLeft(a, 12) + e + Integer.rotateLeft(t, j % 32), 7);
                int ss2 = ss1 ^ Integer.rotateLeft(a, 12);
                int ff = j < 16 ? (a ^ b ^ c) : ((a & b) | (a & c) | (b & c));
                int gg = j < 16 ? (e ^ f ^ g) : ((e & f) | (~e & g));
                int tt1 = ff + d + ss2 + w1[j];
                int tt2 = gg + h + ss1 + w[j];
                d = c; c = Integer.rotateLeft(b, 9); b = a; a = tt1;
                h = g; g = Integer.rotateLeft(f, 19); f = e; e = p0(tt2);
            }
            v[0] ^= a; v[1] ^= b; v[2] ^= c; v[3] ^= d; v[4] ^= e; v[5] ^= f; v[6] ^= g; v[7] ^= h;
        }
        byte[] out = new byte[32];
        for (int i = 0; i < 8; i++) {
            out[4 * i] = (byte) (v[i] >>> 24); out[4 * i + 1] = (byte) (v[i] >>> 16);
            out[4 * i + 2] = (byte) (v[i] >>> 8); out[4 * i + 3] = (byte) v[i];
        }
        return out;
    }

    static byte[] hmacSm3(byte[] key, byte[] msg) {
        byte[] k = key.length > 64 ? sm3(key) : key;
        byte[] ipad = new byte[64 + msg.length];
        byte[] opad = new byte[64 + 32];
        for (int i = 0; i < 64; i++) {
            byte kb = i < k.length ? k[i] : 0;
            ipad[i] = (byte) (kb ^ 0x36);
            opad[i] = (byte) (kb ^ 0x5c);
        }
        System.arraycopy(msg, 0, ipad, 64, msg.length);
        System.arraycopy(sm3(ipad), 0, opad, 64, 32);
        return sm3(opad);
    }

    // ---- a signing HTTP client ---------------------------------------------------------------
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final SecureRandom RNG = new SecureRandom();
    static String base;

    record Credential(String keyId, String secret) {}

    record Reply(int status, String body) {}

    static Reply call(Credential cred, String method, String path, String json, String onBehalfOf)
            throws Exception {
        byte[] body = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
        String ts = Long.toString(System.currentTimeMillis());
        byte[] nonceBytes = new byte[16];
        RNG.nextBytes(nonceBytes);
        String nonce = HexFormat.of().formatHex(nonceBytes);
        String requestId = UUID.randomUUID().toString();
        String contentSm3 = HexFormat.of().formatHex(sm3(body));
        // what the call does and for whom is covered by the signature too (X-Signed-Headers:
        // lower-case names, sorted; one more line with the names, then one name:value line each)
        java.util.TreeMap<String, String> covered = new java.util.TreeMap<>();
        if (onBehalfOf != null) {
            covered.put("x-gaozhi-on-behalf-of", onBehalfOf);
            covered.put("x-gaozhi-on-behalf-role", "APPLICANT");
            covered.put("x-gaozhi-identity-assertion", "method=FACE;provider=java-platform;txn=" + requestId);
        }
        if ("POST".equals(method)) {
            covered.put("content-type", "application/json");
            covered.put("idempotency-key", UUID.randomUUID().toString());
        }
        StringBuilder toSign = new StringBuilder(String.join("\n", method, path, "", cred.keyId(),
                ts, nonce, requestId, contentSm3));
        if (!covered.isEmpty()) {
            toSign.append('\n').append(String.join(";", covered.keySet()));
            covered.forEach((k, v) -> toSign.append('\n').append(k).append(':').append(v));
        }
        String sig = Base64.getEncoder().encodeToString(
                hmacSm3(cred.secret().getBytes(StandardCharsets.UTF_8),
                        toSign.toString().getBytes(StandardCharsets.UTF_8)));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("X-App-Key", cred.keyId())
                .header("X-Timestamp", ts)
                .header("X-Nonce", nonce)
                .header("X-Request-Id", requestId)
                .header("X-Content-SM3", contentSm3)
                .header("X-Sign-Method", "HMAC-SM3")
                .header("X-Signature", sig);
        if (!covered.isEmpty()) {
            b.header("X-Signed-Headers", String.join(";", covered.keySet()));
        }
        covered.forEach(b::header);
        if ("POST".equals(method)) {
            b.POST(HttpRequest.BodyPublishers.ofByteArray(body));
        } else {
            b.GET();
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Reply(r.statusCode(), r.body());
    }

    static Reply expect(int status, Reply r, String what) {
        if (r.status() != status) {
            throw new IllegalStateException(what + ": HTTP " + r.status() + " " + r.body());
        }
        System.out.println("ok " + what + " (" + r.status() + ")");
        return r;
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        if (!m.find()) throw new IllegalStateException("no field " + name + " in " + json);
        return m.group(1);
    }

    public static void main(String[] args) throws Exception {
        if (!HexFormat.of().formatHex(sm3("abc".getBytes(StandardCharsets.US_ASCII)))
                .equals("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")) {
            throw new IllegalStateException("SM3 self-test failed");
        }
        Properties cfg = new Properties();
        try (FileInputStream in = new FileInputStream(args[0])) {
            cfg.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
        }
        base = cfg.getProperty("base");
        Credential platform = new Credential(cfg.getProperty("platform.key"),
                Files.readString(Path.of(cfg.getProperty("platform.secret"))).strip());
        Credential inspector = new Credential(cfg.getProperty("inspector.key"),
                Files.readString(Path.of(cfg.getProperty("inspector.secret"))).strip());
        String applicantId = cfg.getProperty("applicant.id");
        String entry = cfg.getProperty("entry");

        // the applicant's own key and certificate chain (PKCS#12; P-256)
        char[] pw = cfg.getProperty("p12.password").toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(cfg.getProperty("p12.path"))) {
            ks.load(in, pw);
        }
        String alias = ks.aliases().nextElement();
        PrivateKey key = (PrivateKey) ks.getKey(alias, pw);
        List<String> chain = new ArrayList<>();
        for (Certificate c : ks.getCertificateChain(alias)) {
            chain.add("\"" + Base64.getEncoder().encodeToString(c.getEncoded()) + "\"");
        }

        // 1. notice (the platform's window clerk)
        String applicant = Files.readString(Path.of(cfg.getProperty("applicant.json")));
        Reply notice = expect(201, call(platform, "POST", "/v1/notices",
                "{\"list_id\":\"" + cfg.getProperty("list") + "\",\"entry_ids\":[\"" + entry
                        + "\"],\"applicant\":" + applicant + "}", null), "notice");
        String caseNo = field(notice.body(), "case_no");
        // 2. the applicant's choice, made through the platform
        expect(200, call(platform, "POST", "/v1/cases/" + caseNo + "/choices",
                "{\"choices\":[{\"entry_id\":\"" + entry + "\",\"mode\":\"PLEDGE\"}]}", applicantId),
                "choice");
        expect(200, call(platform, "POST", "/v1/cases/" + caseNo + "/eligibility", "{}", null),
                "eligibility");
        // 3. three-step signing: data to sign -> sign here -> signature
        Reply dts = expect(200, call(platform, "POST", "/v1/cases/" + caseNo + "/pledge/data-to-sign",
                "{\"certificate_chain\":[" + String.join(",", chain) + "]}", applicantId),
                "data-to-sign");
        byte[] pae = Base64.getDecoder().decode(field(dts.body(), "pae"));
        Signature ecdsa = Signature.getInstance("SHA256withECDSA");
        ecdsa.initSign(key);
        ecdsa.update(pae);
        String sig = Base64.getEncoder().encodeToString(ecdsa.sign());
        expect(201, call(platform, "POST", "/v1/cases/" + caseNo + "/pledge/signature",
                "{\"session_id\":\"" + field(dts.body(), "session_id") + "\",\"signature\":\"" + sig
                        + "\",\"signature_format\":\"der\"}", applicantId), "signature");
        // 4. acceptance plans the verification
        Reply accepted = expect(200, call(platform, "POST", "/v1/cases/" + caseNo + "/accept", "{}", null),
                "accept");
        String vid = field(accepted.body(), "verification_id");
        // 5. the inspector verifies on site and records the result
        expect(200, call(inspector, "POST", "/v1/verifications/" + vid + "/on-site/dispatch",
                "{\"inspector\":\"IN0007\"}", null), "dispatch");
        Reply result = expect(200, call(inspector, "POST", "/v1/verifications/" + vid + "/on-site/result",
                "{\"result\":\"TRUE\"}", null), "on-site result");
        System.out.println("verification " + vid + " " + field(result.body(), "status") + " "
                + field(result.body(), "result"));
        // 6. the pledge bundle, for an auditor's offline verification
        Reply bundle = expect(200, call(platform, "GET", "/v1/cases/" + caseNo + "/pledge/bundle", null, null),
                "bundle");
        Files.writeString(Path.of(cfg.getProperty("out")), bundle.body(), StandardCharsets.UTF_8);
        System.out.println("case " + caseNo + " done");
    }
}
