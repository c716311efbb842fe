package dev.persistentconnection.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The project's one test-class suffix is {@code Test}, in every module: a class named {@code *Tests} is renamed,
 * so that a newcomer finds every test the same way. (It lives here because this module's tests run first among the
 * modules that have tests of their own; it reads the sources of all of them.)
 */
class TestClassSuffixTest {

    @Test
    void everyTestClassEndsInTest() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        assertThat(root.resolve("pom.xml")).as("the repository root").exists();
        List<Path> wrong = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
                String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
                return name.equals("target") || name.startsWith(".") && !dir.equals(root)
                        ? FileVisitResult.SKIP_SUBTREE
                        : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                if (file.toString().contains("/src/test/java/")
                        && file.toString().endsWith("Tests.java")) {
                    wrong.add(root.relativize(file));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        assertThat(wrong).as("test classes to rename from *Tests to *Test").isEmpty();
    }
}
