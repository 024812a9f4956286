package dev.subdesk.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The API description: the OpenAPI 3.1 document kept in the repository ({@code src/main/resources/openapi/openapi.json}),
 * served as it is and without the API key. The tests check the server's real answers against it, so it describes
 * what the code does.
 */
@RestController
class ApiDescriptionController {

	static final String DOCUMENT = "openapi/openapi.json";

	private final byte[] document;

	ApiDescriptionController() {
		try {
			this.document = new ClassPathResource(DOCUMENT).getContentAsByteArray();
		}
		catch (IOException e) {
			throw new UncheckedIOException("The API description " + DOCUMENT + " is missing from the class path", e);
		}
	}

	@GetMapping("/api/v1/openapi.json")
	ResponseEntity<byte[]> document() {
		return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(document);
	}
}
