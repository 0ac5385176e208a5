package dev.ftindex.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ftindex.format.CollectionLayout;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.SearchRequest;
import dev.ftindex.search.SearchResult;
import dev.ftindex.search.SortOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The search page in a real headless Chromium, the distribution's package, driven through its
 * chromedriver (nothing is downloaded: the driver's path is given, so Selenium Manager never
 * runs). {@code .ci/run} installs both where they are missing; elsewhere the test is skipped,
 * saying so.
 */
class SearchPageBrowserTest {
    @TempDir
    Path temp;

    @Test
    void typingAQueryShowsItsHitsHighlightedAPageAtATimeAndTheGenerationServed() throws Exception {
        Optional<Path> browser = firstExisting("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium");
        Optional<Path> driverBinary = firstExisting("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
        Assumptions.assumeTrue(browser.isPresent() && driverBinary.isPresent(),
                "no Chromium with chromedriver here (apt-get install chromium chromium-driver; .ci/run does): the page test is skipped");

        ObjectStore collection = ObjectStores.local(temp.resolve("collection"));
        Generations.build(collection, "g1", 1, temp);
        Generations.publish(collection, "g1");
        ServerConfig config = ServerConfig.defaults(collection, temp.resolve("cache")).withAddress("127.0.0.1", 0)
                .withPoll(Duration.ofMillis(100)).withThreads(2);
        List<String> expected;
        List<String> second;
        try (CommittedIndex direct = CommittedIndex.open(ObjectStores.prefixed(collection, CollectionLayout.generationPrefix("g1")),
                temp.resolve("direct"), 2, Progress.silent())) {
            expected = direct.search("lucene segment", 10).hits().stream().map(SearchResult.Hit::id).toList();
            second = direct.search(SearchRequest.top("lucene segment", 10).withFrom(10)).hits().stream().map(SearchResult.Hit::id).toList();
        }
        assertThat(expected).hasSize(10);
        assertThat(second).as("the query has a second page").isNotEmpty();

        try (SearchServer server = SearchServer.start(config)) {
            Http http = new Http(server.port());
            http.awaitHealth(h -> Http.serving(h, "g1"), Duration.ofSeconds(30), "g1 to be served");
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driverBinary.get().toFile())
                    .usingAnyFreePort().build();
            ChromeOptions options = new ChromeOptions().setBinary(browser.get().toFile())
                    .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                            "--user-data-dir=" + Files.createDirectories(temp.resolve("profile")));
            WebDriver driver = new ChromeDriver(service, options);
            try {
                driver.get("http://127.0.0.1:" + server.port() + "/");
                WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(20));
                wait.until(d -> d.findElement(By.id("generation")).getText().contains("g1"));
                assertThat(driver.findElement(By.id("generation")).getText()).contains(Generations.DOCS + " documents");

                WebElement box = driver.findElement(By.id("q"));
                box.sendKeys("lucene segment");
                driver.findElement(By.cssSelector("#search button")).click();
                wait.until(d -> d.findElements(By.cssSelector("#hits .hit")).size() == expected.size());
                List<String> shown = driver.findElements(By.cssSelector("#hits .hit .id")).stream().map(WebElement::getText).toList();
                assertThat(shown).isEqualTo(expected);
                assertThat(driver.findElement(By.id("summary")).getText()).contains("hits for lucene segment").contains("generation g1");
                WebElement firstHit = driver.findElement(By.cssSelector("#hits .hit"));
                assertThat(firstHit.findElement(By.cssSelector("dl")).getText()).contains("year");
                if (!firstHit.findElements(By.cssSelector(".snippet")).isEmpty()) {
                    assertThat(firstHit.findElement(By.cssSelector("dl")).getText()).as("a field with a snippet is shown once")
                            .doesNotContain("title");
                }
                // Highlighted words: every <mark> holds a word of the query.
                List<WebElement> marks = driver.findElements(By.cssSelector("#hits .hit .snippet mark"));
                assertThat(marks).as("highlighted words").isNotEmpty();
                assertThat(marks).allSatisfy(mark -> assertThat(mark.getText().toLowerCase(java.util.Locale.ROOT)).isIn("lucene", "segment"));
                assertThat(driver.findElements(By.cssSelector("#hits .hit .snippet script"))).isEmpty();

                // More results: the second page is appended, in the order the index gives.
                WebElement more = driver.findElement(By.id("more"));
                assertThat(more.isDisplayed()).isTrue();
                more.click();
                wait.until(d -> d.findElements(By.cssSelector("#hits .hit")).size() == expected.size() + second.size());
                List<String> both = driver.findElements(By.cssSelector("#hits .hit .id")).stream().map(WebElement::getText).toList();
                List<String> wanted = new java.util.ArrayList<>(expected);
                wanted.addAll(second);
                assertThat(both).isEqualTo(wanted);
                assertThat(driver.findElement(By.id("summary")).getText()).contains("showing 1-" + wanted.size());

                // Facets: the keyword field's values with their counts; a click filters the hits by one.
                wait.until(d -> !d.findElements(By.cssSelector("#facets button")).isEmpty());
                assertThat(driver.findElement(By.cssSelector("#facets h3")).getText()).isEqualTo("tags");
                WebElement value = driver.findElements(By.cssSelector("#facets button")).stream()
                        .filter(button -> !button.getText().startsWith(Generations.marker("g1"))).findFirst().orElseThrow();
                String tag = value.findElement(By.cssSelector("span")).getText();
                value.click();
                String filter = "tags:\"" + tag + "\"";
                wait.until(d -> d.findElement(By.id("filters")).getText().contains(filter));
                List<String> filtered;
                List<String> sorted;
                try (CommittedIndex direct = CommittedIndex.open(ObjectStores.prefixed(collection, CollectionLayout.generationPrefix("g1")),
                        temp.resolve("direct2"), 2, Progress.silent())) {
                    filtered = direct.search(SearchRequest.top("lucene segment", 10).withFilters(List.of(filter))).hits().stream()
                            .map(SearchResult.Hit::id).toList();
                    sorted = direct.search(SearchRequest.top("lucene segment", 10).withFilters(List.of(filter))
                            .withSort(SortOrder.parse("year:desc"))).hits().stream().map(SearchResult.Hit::id).toList();
                }
                assertThat(filtered).isNotEmpty();
                wait.until(d -> d.findElement(By.id("summary")).getText().contains("where " + filter)
                        && ids(d).equals(filtered));
                // A sort: the same hits by year, newest first.
                new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("sort"))).selectByValue("year:desc");
                wait.until(d -> d.findElement(By.id("summary")).getText().contains("sorted by year:desc") && ids(d).equals(sorted));

                box.clear();
                box.sendKeys("title:(");
                driver.findElement(By.cssSelector("#search button")).click();
                wait.until(d -> d.findElement(By.id("summary")).getAttribute("class").contains("error"));
                assertThat(driver.findElement(By.id("summary")).getText()).containsIgnoringCase("cannot parse");
                assertThat(driver.findElements(By.cssSelector("#hits .hit"))).isEmpty();
            } finally {
                driver.quit();
                service.stop();
            }
        } finally {
            collection.close();
        }
    }

    private static List<String> ids(WebDriver driver) {
        return driver.findElements(By.cssSelector("#hits .hit .id")).stream().map(WebElement::getText).toList();
    }

    private static Optional<Path> firstExisting(String... candidates) {
        return Stream.of(candidates).map(Path::of).filter(Files::isExecutable).findFirst();
    }
}
