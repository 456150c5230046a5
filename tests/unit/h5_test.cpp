#include "catch_support.hpp"

#include <cmath>

#include "h5/io.hpp"
#include "h5/typed.hpp"
#include "test_files.hpp"

namespace h5 = trawl::h5;

namespace {

std::string new_file(const std::string& name) { return trawl::test::scratch_dir(name) + "/f.h5"; }

}  // namespace

TEST_CASE("an h5 handle closes its identifier once, and moves", "[h5]") {
  const std::string path = new_file("h5-handle");
  h5::File file = h5::create_file(path);
  const hid_t id = file.get();
  CHECK(H5Iis_valid(id) > 0);
  h5::File moved = std::move(file);
  CHECK(file.get() == H5I_INVALID_HID);
  CHECK(moved.get() == id);
  moved.reset();
  CHECK(H5Iis_valid(id) <= 0);
  moved.reset();  // a second reset is harmless
  CHECK_THROWS_AS(h5::create_file(path), h5::H5Error);  // it exists
  CHECK_THROWS_WITH(h5::open_file(path + ".missing", H5F_ACC_RDONLY), trawl::test::Contains("f.h5.missing"));
}

TEST_CASE("typed reads take their memory type from the C++ type and refuse another class", "[h5]") {
  const std::string path = new_file("h5-typed");
  h5::File file = h5::create_file(path);
  const hid_t f = file.get();
  std::int64_t zero = 0;
  h5::create_column(f, "a/ints", H5T_STD_I64LE, 4, &zero);
  double nan = std::numeric_limits<double>::quiet_NaN();
  h5::create_column(f, "a/reals", H5T_IEEE_F64LE, 3, &nan);
  h5::Datatype text = h5::string_type();
  h5::create_column(f, "a/names", text.get(), 2, nullptr);
  h5::write_one(f, "a/ints", 2, std::int64_t{42});
  h5::write_one(f, "a/reals", 1, 2.5);
  h5::write_one(f, "a/names", 1, std::string("zoë"));
  CHECK(h5::read<std::int64_t>(f, "a/ints") == std::vector<std::int64_t>({0, 0, 42, 0}));
  CHECK(h5::read_one<double>(f, "a/reals", 1) == 2.5);
  CHECK(std::isnan(h5::read<double>(f, "a/reals")[0]));
  CHECK(h5::read<std::string>(f, "a/names") == std::vector<std::string>({"", "zoë"}));
  CHECK(h5::read_one<std::string>(f, "a/names", 1) == "zoë");
  CHECK_THROWS_WITH(h5::read<double>(f, "a/ints"), trawl::test::Contains("a/ints: the dataset is not of the type"));
  CHECK_THROWS_WITH(h5::read<std::string>(f, "a/reals"), trawl::test::Contains("a/reals"));
  CHECK_THROWS_AS(h5::read<double>(f, "a/nothing"), h5::H5Error);
}

TEST_CASE("enum columns are checked against their names on every read", "[h5]") {
  const std::string path = new_file("h5-enum");
  h5::File file = h5::create_file(path);
  const hid_t f = file.get();
  const std::vector<std::string> names{"red", "green", "blue"};
  h5::Datatype colour = h5::enum_type(names);
  std::int8_t red = 0;
  h5::create_column(f, "colour", colour.get(), 4, &red);
  h5::write_enum(f, "colour", 1, 2, names);
  CHECK(h5::read_enum(f, "colour", names) == std::vector<std::int8_t>({0, 2, 0, 0}));
  CHECK(h5::read_enum_one(f, "colour", 1, names) == 2);
  std::int8_t bad = 9;
  h5::write_rows(h5::open_dataset(f, "colour"), colour.get(), 3, 1, &bad);  // raw bytes, as damage would
  CHECK_THROWS_WITH(h5::read_enum(f, "colour", names),
                    trawl::test::Contains("colour: row 3 holds 9, which is not one of its 3 enum values"));
  CHECK_THROWS_WITH(h5::read_enum_one(f, "colour", 3, names), trawl::test::Contains("row 3 holds 9"));
  CHECK(h5::read_enum_one(f, "colour", 0, names) == 0);
}
