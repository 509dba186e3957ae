package dev.segeval.synth;

import java.util.SplittableRandom;

/** Random scene layouts per dataset; label ids follow the built-in labels tables. */
final class Scenes {
  private Scenes() {
  }

  /**
   * A street scene in Cityscapes label ids: sky, buildings and vegetation above a road with sidewalks;
   * cars, persons, riders and bicycles as instances (labelId * 1000 + k); a crowd of persons without instance
   * ids; a caravan (an ignored class with instances); ego vehicle and unlabeled borders.
   */
  static Canvas cityscapes(int w, int h, SplittableRandom rnd) {
    Canvas c = new Canvas(w, h, 7); // road
    int horizon = (int) (h * (0.42 + 0.08 * rnd.nextDouble()));
    int[] band = new int[w];
    int skyline = (int) (horizon * 0.45);
    for (int x = 0; x < w; x += 1) {
      if (x % Math.max(4, w / 12) == 0) {
        skyline = (int) (horizon * (0.15 + 0.55 * rnd.nextDouble()));
      }
      band[x] = skyline;
    }
    c.rect(0, 0, w, horizon, 11, 11); // building
    c.topBand(band, 23); // sky
    // Vegetation blobs and a wall / fence strip on the horizon.
    for (int i = 0; i < 2 + rnd.nextInt(3); i++) {
      c.ellipse(rnd.nextInt(w), horizon - h * 0.08, w * (0.05 + 0.08 * rnd.nextDouble()), h * 0.12, 21, 21);
    }
    c.rect(0, horizon - h / 40, w / 3, horizon + h / 60, 13, 13); // fence
    // Sidewalks at both sides, terrain strip.
    for (int y = horizon; y < h; y++) {
      double t = (y - horizon) / (double) (h - horizon);
      int side = (int) (w * (0.05 + 0.25 * t));
      c.rect(0, y, side, y + 1, 8, 8);
      c.rect(w - side, y, w, y + 1, 8, 8);
      if (t > 0.2 && t < 0.35) {
        c.rect(w - side - w / 50, y, w - side, y + 1, 22, 22); // terrain
      }
    }
    // Poles and traffic signs.
    for (int i = 0; i < 1 + rnd.nextInt(3); i++) {
      int x = rnd.nextInt(w);
      c.rect(x, horizon - h / 4, x + Math.max(2, w / 200), horizon + h / 10, 17, 17);
      c.rect(x - w / 80, horizon - h / 4, x + w / 80, horizon - h / 5, 20, 20);
    }
    // Cars on the road, far to near.
    int instanceSeq = 0;
    int cars = 2 + rnd.nextInt(4);
    for (int i = 0; i < cars; i++) {
      double t = rnd.nextDouble();
      int y = (int) (horizon + (h - horizon) * (0.1 + 0.6 * t));
      int cw = (int) (w * (0.06 + 0.14 * t));
      int ch = (int) (cw * 0.55);
      int x = rnd.nextInt(Math.max(1, w - cw));
      int label = rnd.nextInt(8) == 0 ? 27 : 26; // truck sometimes
      c.rect(x, y - ch, x + cw, y, label, label * 1000 + instanceSeq++);
    }
    if (rnd.nextInt(3) == 0) { // a caravan: ignored in evaluation but has instances
      int y = (int) (horizon + (h - horizon) * 0.3);
      int cw = w / 8;
      int x = rnd.nextInt(w - cw);
      c.rect(x, y - cw / 2, x + cw, y, 29, 29 * 1000 + instanceSeq++);
    }
    // Persons and riders on the sidewalks, bicycles under riders.
    for (int i = 0; i < 2 + rnd.nextInt(4); i++) {
      double t = rnd.nextDouble();
      int y = (int) (horizon + (h - horizon) * (0.05 + 0.5 * t));
      int ph = (int) (h * (0.08 + 0.2 * t));
      int pw = Math.max(2, ph / 3);
      int x = rnd.nextBoolean() ? rnd.nextInt(Math.max(1, w / 5)) : w - w / 5 + rnd.nextInt(Math.max(1, w / 5 - pw));
      if (rnd.nextInt(4) == 0) {
        c.rect(x - pw / 2, y - ph / 3, x + pw + pw / 2, y, 33, 33 * 1000 + instanceSeq++);
        c.rect(x, y - ph, x + pw, y - ph / 3, 25, 25 * 1000 + instanceSeq++);
      } else {
        c.rect(x, y - ph, x + pw, y, 24, 24 * 1000 + instanceSeq++);
      }
    }
    // A crowd: person pixels whose instance map holds the plain label id (no instance).
    if (rnd.nextBoolean()) {
      int y = horizon + (h - horizon) / 6;
      c.rect(w / 2 - w / 10, y - h / 10, w / 2 + w / 10, y, 24, 24);
    }
    // Ego vehicle hood and an unlabeled border.
    c.ellipse(w / 2.0, h * 1.02, w * 0.45, h * 0.09, 1, 1);
    c.rect(0, 0, w, Math.max(1, h / 100), 0, 0);
    c.rect(0, h - Math.max(1, h / 100), w, h, 3, 3);
    if (rnd.nextBoolean()) {
      c.rect(w - w / 12, horizon - h / 8, w, horizon, 4, 4); // static
    }
    return c;
  }

  /** An indoor/outdoor mix in ADE20K ids 1..150, with "other" (0) regions. */
  static Canvas ade20k(int w, int h, SplittableRandom rnd) {
    int[] backgrounds = {1, 2, 3, 4, 6, 7, 10, 14};
    Canvas c = new Canvas(w, h, backgrounds[rnd.nextInt(backgrounds.length)]);
    c.rect(0, 0, w, (int) (h * (0.3 + 0.3 * rnd.nextDouble())), rnd.nextBoolean() ? 3 : 6, 0); // sky or ceiling
    c.rect(0, (int) (h * 0.75), w, h, rnd.nextBoolean() ? 4 : 7, 0); // floor or road
    int objects = 3 + rnd.nextInt(6);
    for (int i = 0; i < objects; i++) {
      // Frequent classes are more likely, as in the real data; every class can appear.
      int label = rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(150) : 1 + rnd.nextInt(30);
      double rx = w * (0.05 + 0.15 * rnd.nextDouble());
      double ry = h * (0.05 + 0.15 * rnd.nextDouble());
      if (rnd.nextBoolean()) {
        c.ellipse(rnd.nextInt(w), rnd.nextInt(h), rx, ry, label, 0);
      } else {
        int x = rnd.nextInt(w);
        int y = rnd.nextInt(h);
        c.rect(x, y, (int) (x + 2 * rx), (int) (y + 2 * ry), label, 0);
      }
    }
    c.ellipse(rnd.nextInt(w), rnd.nextInt(h), w * 0.06, h * 0.06, 0, 0); // "other"
    return c;
  }

  /** One to three VOC objects on background, each outlined by the 255 "border" ring as in VOC. */
  static Canvas voc(int w, int h, SplittableRandom rnd) {
    Canvas c = new Canvas(w, h, 0);
    int objects = 1 + rnd.nextInt(3);
    for (int i = 0; i < objects; i++) {
      int label = 1 + rnd.nextInt(20);
      double cx = w * (0.2 + 0.6 * rnd.nextDouble());
      double cy = h * (0.2 + 0.6 * rnd.nextDouble());
      double rx = w * (0.1 + 0.2 * rnd.nextDouble());
      double ry = h * (0.1 + 0.2 * rnd.nextDouble());
      double ring = Math.max(2, Math.min(w, h) / 60.0);
      c.ellipse(cx, cy, rx + ring, ry + ring, 255, 0);
      c.ellipse(cx, cy, rx, ry, label, 0);
    }
    return c;
  }
}
