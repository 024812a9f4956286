package dev.subdesk;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** Subdesk: the subscription backend. One deployable, one module per business capability. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class SubdeskApplication {

	public static void main(String[] args) {
		SpringApplication.run(SubdeskApplication.class, args);
	}
}
