package dev.subdesk.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SendWindowsTests {

	@Test
	void aNewEndpointStartsAtSixteenOrTheBoundWhenThatIsLower() {
		assertThat(new SendWindows(64).of("we_new")).isEqualTo(16);
		assertThat(new SendWindows(4).of("we_new")).isEqualTo(4);
		assertThatIllegalArgumentException().isThrownBy(() -> new SendWindows(0));
	}

	@Test
	void successesWidenTheWindowByOneUpToTheBound() {
		SendWindows windows = new SendWindows(20);
		windows.succeeded("we_a");
		assertThat(windows.of("we_a")).isEqualTo(17);
		IntStream.range(0, 10).forEach(i -> windows.succeeded("we_a"));
		assertThat(windows.of("we_a")).isEqualTo(20);
		assertThat(windows.of("we_b")).as("another endpoint's window").isEqualTo(16);
	}

	@Test
	void failuresHalveTheWindowDownToOneAndSuccessesOpenItAgain() {
		SendWindows windows = new SendWindows(64);
		windows.failed("we_a");
		assertThat(windows.of("we_a")).isEqualTo(8);
		IntStream.range(0, 10).forEach(i -> windows.failed("we_a"));
		assertThat(windows.of("we_a")).isEqualTo(1);
		windows.succeeded("we_a");
		assertThat(windows.of("we_a")).isEqualTo(2);
	}
}
