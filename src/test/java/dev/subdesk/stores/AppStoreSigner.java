package dev.subdesk.stores;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import tools.jackson.databind.json.JsonMapper;

/**
 * Signs App Store data as the App Store would, with the tests' own chain: the configured test root
 * (src/test/resources/stores, the server trusts it as {@code subdesk.stores.apple.root-certificates}), an intermediate
 * and a leaf made here with BouncyCastle and Apple's marker extensions. {@link #impostor()} makes a whole chain of
 * its own that the server does not trust; {@link #expired()} a leaf whose validity ended long ago.
 */
public final class AppStoreSigner {

	private static final JsonMapper JSON = JsonMapper.builder().build();
	private static final AtomicLong SERIALS = new AtomicLong(System.nanoTime());
	private static final Date LONG_AGO = Date.from(Instant.parse("2000-01-01T00:00:00Z"));
	private static final Date FAR_AHEAD = Date.from(Instant.parse("2100-01-01T00:00:00Z"));

	private final ECPrivateKey leafKey;
	private final List<X509Certificate> chain;

	private AppStoreSigner(ECPrivateKey leafKey, List<X509Certificate> chain) {
		this.leafKey = leafKey;
		this.chain = chain;
	}

	/** A chain up to the root the server trusts. */
	static AppStoreSigner trusted() {
		return under(testRoot(), testRootKey(), true, true, FAR_AHEAD);
	}

	/** A chain up to a root of its own, with the same names and markers: the server does not trust it. */
	static AppStoreSigner impostor() {
		KeyPair root = ecKeys();
		X509Certificate rootCert = certificate("CN=Subdesk Test Store Root CA, O=Subdesk tests", root.getPublic(),
				new X500Name("CN=Subdesk Test Store Root CA, O=Subdesk tests"), root.getPrivate(), true, null, LONG_AGO,
				FAR_AHEAD);
		return under(rootCert, root.getPrivate(), true, true, FAR_AHEAD);
	}

	/** A trusted chain whose leaf expired in 2001. */
	static AppStoreSigner expired() {
		return under(testRoot(), testRootKey(), true, true, Date.from(Instant.parse("2001-01-01T00:00:00Z")));
	}

	/** A trusted chain whose leaf lacks Apple's marker extension. */
	static AppStoreSigner withoutLeafMarker() {
		return under(testRoot(), testRootKey(), false, true, FAR_AHEAD);
	}

	private static AppStoreSigner under(X509Certificate root, PrivateKey rootKey, boolean leafMarker,
			boolean intermediateMarker, Date leafUntil) {
		KeyPair intermediate = ecKeys();
		String intermediateName = "CN=Subdesk Test WWDR Intermediate, O=Subdesk tests";
		X509Certificate intermediateCert = certificate(intermediateName, intermediate.getPublic(),
				X500Name.getInstance(root.getSubjectX500Principal().getEncoded()), rootKey, true,
				intermediateMarker ? AppleSignedData.INTERMEDIATE_MARKER : null, LONG_AGO, FAR_AHEAD);
		KeyPair leaf = ecKeys();
		X509Certificate leafCert = certificate("CN=Subdesk Test Store Signer, O=Subdesk tests", leaf.getPublic(),
				new X500Name(intermediateName), intermediate.getPrivate(), false, leafMarker ? AppleSignedData.LEAF_MARKER : null,
				LONG_AGO, leafUntil);
		return new AppStoreSigner((ECPrivateKey) leaf.getPrivate(), List.of(leafCert, intermediateCert, root));
	}

	/** The compact JWS of {@code payload}, signed by the leaf, with the chain in {@code x5c}. */
	String sign(Map<String, ?> payload) {
		try {
			List<com.nimbusds.jose.util.Base64> x5c = new ArrayList<>();
			for (X509Certificate c : chain) {
				x5c.add(com.nimbusds.jose.util.Base64.encode(c.getEncoded()));
			}
			JWSObject jws = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.ES256).x509CertChain(x5c).build(),
					new Payload(JSON.writeValueAsString(payload)));
			jws.sign(new ECDSASigner(leafKey));
			return jws.serialize();
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}

	/** {@link #sign} with the signature of another payload: the chain is fine, the signature is not. */
	String signTampered(Map<String, ?> payload, Map<String, ?> other) {
		String[] good = sign(payload).split("\\.");
		String[] bad = sign(other).split("\\.");
		return good[0] + "." + bad[1] + "." + good[2];
	}


	private static KeyPair ecKeys() {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
			generator.initialize(new ECGenParameterSpec("secp256r1"));
			return generator.generateKeyPair();
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}

	private static X509Certificate certificate(String subject, PublicKey key, X500Name issuer, PrivateKey issuerKey,
			boolean ca, String marker, Date from, Date until) {
		try {
			JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
					BigInteger.valueOf(SERIALS.incrementAndGet()), from, until, new X500Name(subject), key);
			builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
			builder.addExtension(Extension.keyUsage, true,
					new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
			if (marker != null) {
				builder.addExtension(new ASN1ObjectIdentifier(marker), false, DERNull.INSTANCE);
			}
			return new JcaX509CertificateConverter()
				.getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}

	private static X509Certificate testRoot() {
		try (InputStream in = resource("stores/test-apple-root.pem")) {
			return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}

	private static PrivateKey testRootKey() {
		try (InputStream in = resource("stores/test-apple-root.key.pem")) {
			String pem = new String(in.readAllBytes(), StandardCharsets.US_ASCII).replaceAll("-----[A-Z ]+-----", "")
				.replaceAll("\\s", "");
			return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}

	private static InputStream resource(String name) throws IOException {
		InputStream in = AppStoreSigner.class.getClassLoader().getResourceAsStream(name);
		if (in == null) {
			throw new IOException("no test resource " + name);
		}
		return in;
	}
}
