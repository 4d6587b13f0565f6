import de.unihd.dbs.heideltime.standalone.*;
import de.unihd.dbs.uima.annotator.heideltime.resources.Language;
import java.nio.file.*;
import java.text.SimpleDateFormat;
import java.util.*;

/** Tags many documents in one JVM: each line of the list is "input<TAB>yyyy-MM-dd or -<TAB>output". */
public class HeidelBatch {
    public static void main(String[] args) throws Exception {
        String config = args[1];
        HeidelTimeStandalone.readConfigFile(config);
        HeidelTimeStandalone tagger = new HeidelTimeStandalone(Language.ENGLISH, DocumentType.NEWS, OutputType.TIMEML,
                config, POSTagger.TREETAGGER, false);
        SimpleDateFormat fmt = new SimpleDateFormat("yyyy-MM-dd");
        for (String line : Files.readAllLines(Paths.get(args[0]))) {
            String[] f = line.split("\t");
            String text = new String(Files.readAllBytes(Paths.get(f[0])), "UTF-8");
            String out;
            try {
                out = f[1].equals("-") ? tagger.process(text) : tagger.process(text, fmt.parse(f[1]));
            } catch (Exception e) {
                out = "ERROR " + e;
            }
            Files.write(Paths.get(f[2]), out.getBytes("UTF-8"));
            System.err.println("done " + f[0]);
        }
    }
}
