package dev.subdesk.stores;

import dev.subdesk.shared.CommonErrorCode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import dev.subdesk.shared.SubdeskException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.core.io.ResourceLoader;
import org.springframework.stereotype.Component;

/**
 * Verifies the JWS the App Store signs (the notification's {@code signedPayload}, and the transaction and renewal
 * info inside it): {@code alg} ES256, an {@code x5c} chain that PKIX-validates, at the server clock's time, up to a
 * configured root certificate, with Apple's marker extensions on the leaf and the intermediate, and a signature by
 * the leaf's key. Anything else is {@code 401 UNAUTHORIZED}. With no root configured, nothing verifies.
 */
@Component
class AppleSignedData {

	/** Apple's marker on the certificate that signs App Store data (the leaf). */
	static final String LEAF_MARKER = "1.2.840.113635.100.6.11.1";

	/** Apple's marker on the Apple Worldwide Developer Relations intermediate. */
	static final String INTERMEDIATE_MARKER = "1.2.840.113635.100.6.2.1";

	private final Set<TrustAnchor> roots;
	private final Clock clock;

	AppleSignedData(StoresProperties properties, Clock clock) {
		this.clock = clock;
		this.roots = new HashSet<>();
		List<String> locations = properties.apple() == null || properties.apple().rootCertificates() == null ? List.of()
				: properties.apple().rootCertificates();
		ResourceLoader loader = new DefaultResourceLoader();
		for (String location : locations) {
			try (InputStream in = loader.getResource(location.strip()).getInputStream()) {
				CertificateFactory.getInstance("X.509")
					.generateCertificates(in)
					.forEach(c -> roots.add(new TrustAnchor((X509Certificate) c, null)));
			}
			catch (IOException | GeneralSecurityException e) {
				throw new IllegalStateException("subdesk.stores.apple.root-certificates: cannot read " + location, e);
			}
		}
	}

	/** The verified payload of a compact JWS the App Store signed, else {@code 401}. */
	Map<String, Object> verify(String compact) {
		if (roots.isEmpty()) {
			throw refused("no App Store root certificate is configured");
		}
		try {
			JWSObject jws = JWSObject.parse(compact.strip());
			if (!JWSAlgorithm.ES256.equals(jws.getHeader().getAlgorithm())) {
				throw refused("the signature is not ES256");
			}
			List<com.nimbusds.jose.util.Base64> x5c = jws.getHeader().getX509CertChain();
			if (x5c == null || x5c.size() < 2) {
				throw refused("the x5c certificate chain is missing");
			}
			CertificateFactory factory = CertificateFactory.getInstance("X.509");
			List<X509Certificate> chain = new ArrayList<>();
			for (com.nimbusds.jose.util.Base64 der : x5c) {
				chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der.decode())));
			}
			X509Certificate leaf = chain.get(0);
			if (leaf.getExtensionValue(LEAF_MARKER) == null || chain.get(1).getExtensionValue(INTERMEDIATE_MARKER) == null) {
				throw refused("the certificates are not the App Store's");
			}
			// a root sent in the chain is dropped: only a configured root anchors it
			List<X509Certificate> path = chain.stream().filter(c -> !isRoot(c)).toList();
			PKIXParameters parameters = new PKIXParameters(roots);
			parameters.setRevocationEnabled(false);
			parameters.setDate(Date.from(clock.instant()));
			CertPathValidator.getInstance("PKIX").validate(factory.generateCertPath(path), parameters);
			if (!(leaf.getPublicKey() instanceof ECPublicKey key) || !jws.verify(new ECDSAVerifier(key))) {
				throw refused("the signature does not verify");
			}
			Map<String, Object> payload = jws.getPayload().toJSONObject();
			if (payload == null) {
				throw refused("the signed data is not a JSON object");
			}
			return payload;
		}
		catch (ParseException | GeneralSecurityException | JOSEException | IllegalArgumentException
				| ClassCastException e) {
			throw refused("the signed data or its certificate chain does not verify");
		}
	}

	private boolean isRoot(X509Certificate c) {
		return roots.stream().anyMatch(anchor -> anchor.getTrustedCert().equals(c));
	}

	static SubdeskException refused(String why) {
		return new SubdeskException(CommonErrorCode.UNAUTHORIZED, "Refused: " + why + "; nothing was changed");
	}
}
