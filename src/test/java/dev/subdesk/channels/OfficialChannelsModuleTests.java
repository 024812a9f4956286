package dev.subdesk.channels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ModuleTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The module boots alone, its channels bound from the application's configuration (the demo vendor's). */
@ModuleTest
class OfficialChannelsModuleTests {

	@Autowired
	OfficialChannels channels;

	@Test
	void theConfiguredChannelsAreOfficialAndALookAlikeIsNot() {
		assertThat(channels.checkPhone("(202) 555-0142", "US").official()).isTrue();
		assertThat(channels.checkPhone("+1 202-555-0143", null).official()).isFalse();
		assertThat(channels.checkUrl("https://www.acme.example/support").official()).isTrue();
		assertThat(channels.checkUrl("https://acme.example.evil.test/support").official()).isFalse();
		assertThat(channels.checkEmail("Acme Billing <billing@acme.example.evil.test>").official()).isFalse();
	}
}
