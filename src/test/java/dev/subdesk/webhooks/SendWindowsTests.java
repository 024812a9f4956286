package dev.subdesk.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SendWindowsTests {

	private static final Duration QUICKLY = Duration.ofMillis(3);

	@Test
	void aNewEndpointStartsAtSixteenOrTheBoundWhenThatIsLower() {
		assertThat(new SendWindows(64).of("we_new")).isEqualTo(16);
		assertThat(new SendWindows(4).of("we_new")).isEqualTo(4);
		assertThatIllegalArgumentException().isThrownBy(() -> new SendWindows(0));
	}

	@Test
	void successesWidenTheWindowByOneUpToTheBound() {
		SendWindows windows = new SendWindows(20);
		windows.succeeded("we_a", QUICKLY);
		assertThat(windows.of("we_a")).isEqualTo(17);
		IntStream.range(0, 10).forEach(i -> windows.succeeded("we_a", QUICKLY));
		assertThat(windows.of("we_a")).isEqualTo(20);
		assertThat(windows.of("we_b")).as("another endpoint's window").isEqualTo(16);
	}

	@Test
	void aSlowSuccessLeavesTheWindowAsItIs() {
		SendWindows windows = new SendWindows(64);
		windows.succeeded("we_a", SendWindows.QUICK);
		assertThat(windows.of("we_a")).as("answered just in time").isEqualTo(17);
		IntStream.range(0, 10).forEach(i -> windows.succeeded("we_a", Duration.ofSeconds(2)));
		assertThat(windows.of("we_a")).isEqualTo(17);
		windows.failed("we_a");
		windows.succeeded("we_a", SendWindows.QUICK.plusMillis(1));
		assertThat(windows.of("we_a")).as("halved, and not widened by a slow success").isEqualTo(8);
	}

	@Test
	void failuresHalveTheWindowDownToOneAndSuccessesOpenItAgain() {
		SendWindows windows = new SendWindows(64);
		windows.failed("we_a");
		assertThat(windows.of("we_a")).isEqualTo(8);
		IntStream.range(0, 10).forEach(i -> windows.failed("we_a"));
		assertThat(windows.of("we_a")).isEqualTo(1);
		windows.succeeded("we_a", QUICKLY);
		assertThat(windows.of("we_a")).isEqualTo(2);
	}
}
