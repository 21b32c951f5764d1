package io.hacover;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the engine ({@code io.hacover.core}, {@code io}, {@code jdbc}) free of Spring's
 * higher layers and of monitors, by reading the main sources.
 */
class ArchitectureTests {

	private static final Path SOURCES = Paths.get("src", "main", "java", "io", "hacover");

	private static final List<String> ENGINE_PACKAGES = List.of("core", "io", "jdbc");

	private static final Pattern HIGHER_LAYER_IMPORT = Pattern
		.compile("^\\s*import\\s+(static\\s+)?org\\.springframework\\.(boot|context|beans)\\.", Pattern.MULTILINE);

	private static final Pattern SYNCHRONIZED = Pattern.compile("\\bsynchronized\\b");

	private static final Pattern COMMENT_OR_STRING = Pattern.compile("/\\*.*?\\*/|//[^\\n]*|\"(\\\\.|[^\"\\\\])*\"",
			Pattern.DOTALL);

	@Test
	void engineImportsNoSpringBootContextOrBeans() {
		List<Path> engine = engineSources();
		assertThat(engine).isNotEmpty();
		assertThat(engine).allSatisfy((source) -> assertThat(HIGHER_LAYER_IMPORT.matcher(read(source)).find())
			.as("%s imports org.springframework.boot, .context or .beans", source)
			.isFalse());
	}

	@Test
	@DisplayName("the core holds no monitor: no synchronized in io.hacover.core (H24)")
	void coreHoldsNoMonitor() {
		List<Path> core = sourcesOf(SOURCES.resolve("core"));
		assertThat(core).isNotEmpty();
		assertThat(core).allSatisfy((source) -> assertThat(SYNCHRONIZED.matcher(code(source)).find())
			.as("%s uses the keyword 'synchronized'", source)
			.isFalse());
	}

	private static List<Path> engineSources() {
		assertThat(SOURCES).as("main sources, relative to the module directory").isDirectory();
		List<Path> sources = new ArrayList<>();
		for (String name : ENGINE_PACKAGES) {
			Path directory = SOURCES.resolve(name);
			if (Files.isDirectory(directory)) {
				sources.addAll(sourcesOf(directory));
			}
		}
		return sources;
	}

	private static List<Path> sourcesOf(Path directory) {
		try (Stream<Path> files = Files.walk(directory)) {
			return files.filter((file) -> file.toString().endsWith(".java")).toList();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static String code(Path source) {
		return COMMENT_OR_STRING.matcher(read(source)).replaceAll(" ");
	}

	private static String read(Path source) {
		try {
			return Files.readString(source);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
