package dev.subdesk.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DestinationsTests {

	private final Destinations strict = new Destinations(false);
	private final Destinations demo = new Destinations(true);

	@ParameterizedTest
	@ValueSource(strings = { "https://127.0.0.1/hook", "https://127.1.2.3/hook", "https://10.0.0.1/hook",
			"https://172.16.5.4/hook", "https://192.168.1.1/hook", "https://169.254.169.254/latest/meta-data",
			"https://224.0.0.1/hook", "https://0.0.0.0/hook", "https://100.64.0.1/hook", "https://[::1]/hook",
			"https://[::]/hook", "https://[fe80::1]/hook", "https://[fc00::1]/hook", "https://[fd12:3456::1]/hook",
			"https://[ff02::1]/hook", "https://[::ffff:127.0.0.1]/hook", "https://[::ffff:10.1.2.3]/hook",
			"https://[::ffff:169.254.169.254]/hook", "https://[::127.0.0.1]/hook", "https://[64:ff9b::a00:1]/hook",
			"https://localhost/hook", "https://192.0.0.192/hook", "https://192.0.2.1/hook", "https://198.18.0.1/hook",
			"https://198.19.255.254/hook", "https://198.51.100.7/hook", "https://203.0.113.9/hook",
			"https://192.88.99.1/hook", "https://[64:ff9b:1::a00:1]/hook", "https://[2002:7f00:1::1]/hook",
			"https://[2002:a9fe:a9fe::1]/hook", "https://[2001:0:4136:e378::1]/hook", "https://[2001:db8::1]/hook",
			"https://[100::1]/hook" })
	void aHostOnALoopbackPrivateLinkLocalMulticastOrUnspecifiedAddressIsRefused(String url) {
		assertThat(strict.problem(url)).as(url).isPresent();
		assertThat(demo.problem(url)).as("allowed with SUBDESK_WEBHOOKS_ALLOW_PRIVATE").isEmpty();
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://93.184.215.14/hook", "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/hook",
			"https://8.8.8.8:8443/a?b=c", "https://198.20.0.1/hook", "https://192.0.3.1/hook",
			"https://[2002:5db8:d70e::1]/hook", "https://[2001:4860:4860::8888]/hook" })
	void aPublicAddressOverHttpsIsAllowed(String url) {
		assertThat(strict.problem(url)).as(url).isEmpty();
	}

	@ParameterizedTest
	@ValueSource(strings = { "http://93.184.215.14/hook", "ftp://93.184.215.14/hook", "/relative", "not a url",
			"https://user:pass@93.184.215.14/hook", "https:///nohost", "javascript:alert(1)" })
	void onlyAnAbsoluteHttpsUrlWithoutUserInfoIsAccepted(String url) {
		assertThat(strict.problem(url)).as(url).isPresent();
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://93.184.215.14:70000/hook", "https://93.184.215.14:0/hook",
			"http://127.0.0.1:65536/hook" })
	void aPortThatDoesNotExistIsRefused(String url) {
		assertThat(strict.problem(url)).as(url).isPresent();
		assertThat(demo.problem(url)).as("even allowing private ones").contains("its port must be from 1 to 65535");
	}

	@ParameterizedTest
	@ValueSource(strings = { "http://127.0.0.1:8080/hook", "http://localhost/hook" })
	void allowPrivateAlsoAllowsPlainHttp(String url) {
		assertThat(demo.problem(url)).as(url).isEmpty();
		assertThat(strict.problem(url)).as(url).isPresent();
	}
}
